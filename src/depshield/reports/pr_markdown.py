"""The pull-request comment: verdict, a dependency-overview table, then each change's new
alerts with evidence, the path that brings it in and advice; size-capped for GitHub."""

from __future__ import annotations

from depshield import __version__
from depshield.pr.report import Assessed, PrReport
from depshield.reports import escape
from depshield.reports.escape import markdown_cell as _cell_code
from depshield.reports.escape import markdown_code as _code
from depshield.reports.escape import markdown_text as _text
from depshield.reports.markdown import advisory_text as _advisory
from depshield.reports.markdown_table import VERDICT_TEXT as VERDICT
from depshield.reports.markdown_table import fit, header, row
from depshield.reports.views import (
    SCORE_NAMES,
    advisory,
    ordered_alerts,
    printable,
    score_text,
    where,
)

MARKER = "<!-- depshield -->"  # finds the comment this tool owns among a PR's comments
LIMIT = 60_000  # GitHub refuses comment bodies over 65,536 characters
MAX_ALERTS = 25
MAX_EVIDENCE = 200
KIND = {
    "added": "added",
    "removed": "removed",
    "upgraded": "upgraded",
    "downgraded": "**downgraded**",
    "changed": "changed (local)",
}


def render(report: PrReport, *, color: bool = False, limit: int = LIMIT) -> str:
    head = _heading(report)
    tail = _tail(report)
    everything = report.ordered()
    # What blocks or warns leads, in a table with details; passing changes fold into one
    # <details> at the end, so the comment stays short on a large update.
    items = [i for i in everything if _needs_review(i)]
    passing = [i for i in everything if not _needs_review(i)]
    folded = _passing(passing)
    used = len(head) + len(tail) + len(folded) + 400
    rows, details = fit(items, _row, _details, used, limit)
    parts = [head]
    if rows:
        parts.append(_table_header() + "".join(rows))
    if len(rows) < len(items):
        parts.append(f"**{len(items) - len(rows)} more changes not shown** (size cap).\n")
    parts += [d for d in details if d]
    if folded:
        parts.append(folded)
    parts.append(tail)
    return "\n".join(parts)


def _needs_review(item: Assessed) -> bool:
    return item.verdict != "pass" or bool(item.skipped) or bool(item.ignored_by)


def _passing(items: list[Assessed], limit: int = 200) -> str:
    """One collapsed table of the changes that pass (the first `limit`; the rest counted)."""
    if not items:
        return ""
    n = len(items)
    lines = [
        "<details>",
        f"<summary>{n} change{'s' if n != 1 else ''} pass</summary>",
        "",
        _table_header() + "".join(_row(i) for i in items[:limit]),
    ]
    if n > limit:
        lines.append(f"... and {n - limit} more.")
    lines += ["</details>", ""]
    return "\n".join(lines)


def _heading(report: PrReport) -> str:
    counts = report.counts()
    shown = ", ".join(f"{n} {k}" for k, n in counts.items() if n) or "no dependency changes"
    title = {
        "block": "this change brings in blocked packages",
        "warn": "this change brings in packages to review",
        "pass": "nothing risky in the dependency changes",
    }[report.verdict]
    lines = [
        MARKER,
        f"## depshield: {VERDICT[report.verdict]}, {title}",
        "",
        f"Dependencies {_code(report.base)} -> {_code(report.head)}: {shown}.",
    ]
    if report.ignore_all_by:
        lines.append(
            f"All alerts ignored for this pull request by {_code('@' + report.ignore_all_by)}."
        )
    return "\n".join(lines) + "\n"


def _table_header() -> str:
    names = [title for _, title in SCORE_NAMES]
    return header(["Package", "Change", "Path", "Verdict", *names], numeric=len(names))


def _row(item: Assessed) -> str:
    change = item.change
    if change.kind in ("upgraded", "downgraded"):
        versions = f"{_cell_code(change.old or '')} -> {_cell_code(change.new or '')}"
    else:
        versions = _cell_code(change.new or change.old or "")
    scores = [
        score_text(getattr(item.result.scores, key)) if item.result else "-"
        for key, _ in SCORE_NAMES
    ]
    verdict = VERDICT[item.verdict] if change.brings_code else "-"
    if item.skipped:
        verdict += " (not analysed)"
    if item.ignored_by:
        verdict += f" (ignored by {_cell_code('@' + item.ignored_by)})"
    where_ = "direct" if change.direct else "transitive"
    name = f"{_cell_code(change.name)} ({change.ecosystem})"
    return row([name, f"{KIND[change.kind]} {versions}", where_, verdict, *scores])


def _details(item: Assessed) -> str:
    if not (item.introduced or item.skipped):
        return ""
    change = item.change
    label = f"{change.name}@{change.new or change.old}"
    alerts = ordered_alerts(list(item.introduced))
    lines = [
        "<details open>" if item.verdict == "block" else "<details>",
        f"<summary>{item.verdict.upper()} <code>{_html(label)}</code> ({change.kind}, "
        f"{len(alerts)} new alert{'s' if len(alerts) != 1 else ''})</summary>",
        "",
        f"Introduced by: {_code(change.introduced_by or change.name)} "
        f"({_code(f'{change.lockfile}:{change.line}' if change.line else change.lockfile)})",
        "",
    ]
    if item.skipped:
        lines += [f"Not analysed: {_code(item.skipped)}", ""]
    if item.diff is not None and item.diff.capabilities_gained:
        gained = ", ".join(_code(c) for c in item.diff.capabilities_gained)
        lines += [f"New capabilities since {_code(change.old or '')}: {gained}", ""]
    for alert in alerts[:MAX_ALERTS]:
        place = f" at {_code(where(alert))}" if alert.file else ""
        lines.append(f"- **{alert.severity}** {_code(alert.type)} {_text(alert.title)}{place}")
        if alert.evidence:
            lines.append(f"  Evidence: {_code(printable(alert.evidence, MAX_EVIDENCE))}")
        found = advisory(alert)
        if found is not None:
            lines.append(f"  Advisory: {_advisory(found)}")
    if len(alerts) > MAX_ALERTS:
        lines.append(f"- ... and {len(alerts) - MAX_ALERTS} more")
    if item.advice.text:
        lines += ["", f"**Advice:** {_text(item.advice.text)}"]
    lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _tail(report: PrReport) -> str:
    lines = []
    if report.ignores:
        shown = ", ".join(f"{_code(p)} by {_code('@' + u)}" for p, u in report.ignores)
        lines.append(f"Ignored with `@depshield ignore`: {shown}.")
    if report.errors:
        shown = ", ".join(_code(e) for e in sorted(report.errors)[:5])
        more = f" and {len(report.errors) - 5} more" if len(report.errors) > 5 else ""
        lines.append(f"Problems ({len(report.errors)}): {shown}{more}.")
    if report.notes:
        shown = "; ".join(_text(n) for n in list(report.notes)[:5])
        more = f" and {len(report.notes) - 5} more" if len(report.notes) > 5 else ""
        lines.append(f"Notes: {shown}{more}.")
    lines.append(
        "Commands (users with write access): `@depshield ignore PKG@VERSION`, "
        "`@depshield ignore-all`, `@depshield rescan`."
    )
    lines.append(f"<sub>depshield {__version__}</sub>")
    return "\n\n".join(lines) + "\n"


def _html(text: str) -> str:
    return escape.html(text)
