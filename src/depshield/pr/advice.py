"""Advice for one change: what to do, and which version is known to be free of the problem."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from depshield.model import Alert, PackageResult
from depshield.policy import verdict_of
from depshield.pr.changes import Change
from depshield.pr.report import Advice
from depshield.reports.views import ordered_alerts

if TYPE_CHECKING:
    from depshield.diff import VersionDiff


def advise(
    change: Change,
    result: PackageResult | None,
    introduced: Sequence[Alert],
    diff: VersionDiff | None,
) -> Advice:
    """Blocked: remove it or stay on the previous version; warned: review; else nothing."""
    verdict = verdict_of(a.action for a in introduced)
    if verdict == "pass" or result is None:
        return Advice("none", "")
    label = f"{change.name}@{change.new}"
    worst = _worst(introduced)
    if change.previous is not None and change.old is not None:
        # The previous version did not have these alerts (they are the diff's new ones).
        verb = "Stay on" if verdict == "block" else "Review the change, or stay on"
        safe = change.old
        return Advice(
            "keep-previous" if verdict == "block" else "review",
            f"{verb} {change.name}@{safe}: {label} introduces {worst}.",
            safe,
        )
    if change.local:
        return Advice("review", f"Review the local package {change.name} ({worst}).")
    if verdict == "block":
        how = "remove it from the manifest" if change.direct else _transitive(change)
        return Advice(
            "remove",
            f"Do not merge: {label} brings {worst}; {how}. No version of it is known to be safe.",
        )
    return Advice("review", f"Review {label} before merging: {worst}.")


def _worst(alerts: Sequence[Alert]) -> str:

    ordered = ordered_alerts([a for a in alerts if a.action in ("error", "warn")])
    if not ordered:
        return "new alerts"
    first = ordered[0]
    more = len(ordered) - 1
    return f"{first.title.lower()} ({first.type})" + (f" and {more} more" if more else "")


def _transitive(change: Change) -> str:
    parent = change.introduced_by.split(" > ")[0] if change.introduced_by else ""
    if parent and parent != change.name:
        return f"it comes in through {parent}: drop or pin {parent} to a version without it"
    return "find which dependency brings it in and pin that one"
