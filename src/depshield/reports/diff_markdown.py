"""The Markdown rendering of a version diff, for a pull-request comment."""

from __future__ import annotations

from collections.abc import Sequence

from depshield.diff import VersionDiff
from depshield.model import Alert
from depshield.reports import escape
from depshield.reports.diff_text import visible
from depshield.reports.markdown_table import VERDICT_TEXT, header, row
from depshield.reports.views import printable, where

MAX_ALERTS = 40
MAX_FILES = 30
_COLUMNS = ("type", "severity", "action", "where", "evidence")


def render(diff: VersionDiff, *, color: bool = False, show_all: bool = False) -> str:
    old, new = diff.old, diff.new
    parts = [
        f"### depshield diff: {_md(new.ref.name)} {_md(old.ref.version or '?')} → "
        f"{_md(new.ref.version or '?')} ({diff.change})\n",
        f"Verdict: {VERDICT_TEXT[old.verdict]} → {VERDICT_TEXT[new.verdict]}\n",
        _table("New alerts", visible(diff.new_alerts, show_all)),
        _table("Resolved alerts", visible(diff.resolved_alerts, show_all)),
        _list("Capabilities", diff.capabilities_gained, diff.capabilities_lost),
        _list("Dependencies", diff.dependencies_added, diff.dependencies_removed),
        _files(diff),
    ]
    if diff.publisher[0] != diff.publisher[1]:
        parts.append(
            f"Publisher: {_md(diff.publisher[0] or '?')} → {_md(diff.publisher[1] or '?')}\n"
        )
    if diff.license[0] != diff.license[1]:
        parts.append(f"License: {_md(str(diff.license[0]))} → {_md(str(diff.license[1]))}\n")
    notes = [*diff.notes, *new.notes]
    if notes:
        parts.append("Notes:\n" + "".join(f"- {_md(n)}\n" for n in notes[:20]))
    return "\n".join(p for p in parts if p)


def _table(title: str, alerts: list[Alert]) -> str:
    if not alerts:
        return f"{title}: none\n"
    lines = [f"**{title}** ({len(alerts)})\n\n", header(_COLUMNS)]
    for a in alerts[:MAX_ALERTS]:
        evidence = _md(printable(a.evidence or "", 120))
        lines.append(row([a.type, a.severity, a.action, _md(where(a)), evidence]))
    if len(alerts) > MAX_ALERTS:
        lines.append(f"\n{len(alerts) - MAX_ALERTS} more (see `--format json`)\n")
    return "".join(lines)


def _list(title: str, added: Sequence[str], removed: Sequence[str]) -> str:
    if not added and not removed:
        return f"{title}: no change\n"
    items = [f"- added: {_md(x)}" for x in added] + [f"- removed: {_md(x)}" for x in removed]
    return f"{title}:\n" + "\n".join(items) + "\n"


def _files(diff: VersionDiff) -> str:
    share = "" if diff.changed_percent is None else f", {diff.changed_percent}% of the code"
    head = (
        f"Files: {len(diff.files_added)} added, {len(diff.files_removed)} removed, "
        f"{len(diff.files_changed)} changed{share}\n"
    )
    listed = [
        (m, p)
        for m, ps in (
            ("added", diff.files_added),
            ("removed", diff.files_removed),
            ("changed", diff.files_changed),
        )
        for p in ps
    ]
    body = "".join(f"- {m}: {_md(p)}\n" for m, p in listed[:MAX_FILES])
    more = f"- ... {len(listed) - MAX_FILES} more\n" if len(listed) > MAX_FILES else ""
    return head + body + more


def _md(text: str) -> str:
    return escape.markdown_text(text)
