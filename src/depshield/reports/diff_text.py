"""The text rendering of a version diff, for a terminal."""

from __future__ import annotations

from collections.abc import Sequence

from depshield.diff import VersionDiff
from depshield.model import Alert
from depshield.reports.views import ordered_alerts, printable, where

MAX_FILES = 20  # per list; the JSON report has them all
_VERDICT_COLOR = {"block": "\033[1;31m", "warn": "\033[1;33m", "pass": "\033[32m"}


def render(diff: VersionDiff, *, color: bool = False, show_all: bool = False) -> str:
    old, new = diff.old, diff.new
    lines = [
        f"{new.ref.ecosystem}:{new.ref.name} {old.ref.version} -> {new.ref.version} "
        f"({diff.change})",
        f"verdict: {old.verdict} -> {_verdict(new.verdict, color)}",
    ]
    lines += _alerts("new alerts", visible(diff.new_alerts, show_all))
    lines += _alerts("resolved alerts", visible(diff.resolved_alerts, show_all))
    lines.append(f"capabilities: {_signed(diff.capabilities_gained, diff.capabilities_lost)}")
    lines.append(f"dependencies: {_signed(diff.dependencies_added, diff.dependencies_removed)}")
    lines.append(_files_line(diff))
    for mark, paths in (
        ("+", diff.files_added),
        ("-", diff.files_removed),
        ("~", diff.files_changed),
    ):
        lines += [f"  {mark} {printable(p)}" for p in paths[:MAX_FILES]]
        if len(paths) > MAX_FILES:
            lines.append(f"  {mark} ... {len(paths) - MAX_FILES} more")
    if diff.publisher[0] != diff.publisher[1]:
        lines.append(f"publisher: {diff.publisher[0] or '?'} -> {diff.publisher[1] or '?'}")
    if diff.license[0] != diff.license[1]:
        lines.append(f"license: {diff.license[0]} -> {diff.license[1]}")
    lines += [f"note: {printable(n)}" for n in (*diff.notes, *new.notes)]
    return "\n".join(lines) + "\n"


def visible(alerts: Sequence[Alert], show_all: bool) -> list[Alert]:
    return ordered_alerts([a for a in alerts if show_all or a.action != "ignore"])


def _alerts(title: str, alerts: list[Alert]) -> list[str]:
    out = [f"{title} ({len(alerts)}):" if alerts else f"{title}: none"]
    for a in alerts:
        place = f" {where(a)}" if where(a) else ""
        evidence = f"  {printable(a.evidence, 100)}" if a.evidence else ""
        out.append(f"  {a.type} ({a.severity}, {a.action}){printable(place)}{evidence}")
    return out


def _signed(added: Sequence[str], removed: Sequence[str]) -> str:
    parts = [f"+{printable(x)}" for x in added] + [f"-{printable(x)}" for x in removed]
    return " ".join(parts) or "no change"


def _files_line(diff: VersionDiff) -> str:
    counts = (
        f"files: {len(diff.files_added)} added, {len(diff.files_removed)} removed, "
        f"{len(diff.files_changed)} changed"
    )
    if diff.changed_percent is None:
        return counts + " (contents not compared)"
    return counts + f" ({diff.changed_percent}% of the code)"


def _verdict(verdict: str, color: bool) -> str:
    return f"{_VERDICT_COLOR[verdict]}{verdict}\033[0m" if color else verdict
