"""The pull-request report: what a change to the dependencies brings in, and what to do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from depshield.model import Alert, PackageResult, Verdict
from depshield.policy import verdict_of
from depshield.pr.changes import Change

if TYPE_CHECKING:
    from depshield.diff import VersionDiff
    from depshield.reports.base import InputError

VERDICT_RANK = {"block": 0, "warn": 1, "pass": 2}


@dataclass(frozen=True, slots=True)
class Advice:
    """What to do about one change, and a version known to be free of what it brings in."""

    action: str  # "remove" | "keep-previous" | "review" | "none"
    text: str
    safe_version: str | None = None


@dataclass(frozen=True, slots=True)
class Assessed:
    """One changed package: its judged new version and the alerts the change introduces."""

    change: Change
    result: PackageResult | None  # None for removals
    introduced: tuple[Alert, ...] = ()
    diff: VersionDiff | None = None
    skipped: str | None = None
    advice: Advice = Advice("none", "")
    ignored_by: str | None = None  # who ignored it with a comment command
    refused: bool = False  # `skipped` is a refusal (a local path outside the project): exit 2

    @property
    def verdict(self) -> Verdict:
        """The verdict of what the change brings in (alerts the old version already had and
        alerts the policy ignores do not count)."""

        return verdict_of(a.action for a in self.introduced)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.change.to_json(),
            "verdict": self.verdict,
            "scores": self.result.scores.to_json() if self.result else None,
            "introducedAlerts": [a.to_json() for a in self.introduced],
            "package": self.result.to_json() if self.result else None,
            "versionDiff": _diff_json(self.diff),
            "skipped": self.skipped,
            "advice": {
                "action": self.advice.action,
                "text": self.advice.text,
                "safeVersion": self.advice.safe_version,
            },
            "ignoredBy": self.ignored_by,
        }


def _diff_json(diff: VersionDiff | None) -> dict[str, Any] | None:
    if diff is None:
        return None
    body = diff.to_json()
    body.pop("old", None)
    body.pop("new", None)
    return body


@dataclass(frozen=True, slots=True)
class PrReport:
    base: str  # label of the base side (a ref, a path)
    head: str
    items: Sequence[Assessed]
    lockfiles: Sequence[str] = ()
    errors: Sequence[str] = ()
    notes: Sequence[str] = ()
    ignore_all_by: str | None = None  # `@depshield ignore-all` from this user
    ignores: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (PKG@VERSION, by user)
    show_all: bool = False
    # Project files that could not be read or were refused (exit 2): what they held was not
    # checked, so SARIF says executionSuccessful false, as a scan's does.
    unreadable: Sequence[InputError] = ()

    @property
    def verdict(self) -> Verdict:
        if self.ignore_all_by:
            return "pass"
        worst = min((VERDICT_RANK[i.verdict] for i in self.items), default=2)
        return ("block", "warn", "pass")[worst]

    def ordered(self) -> list[Assessed]:
        """Worst first, then removals last, then by name."""
        return sorted(
            self.items,
            key=lambda i: (
                VERDICT_RANK[i.verdict],
                i.change.kind == "removed",
                i.change.ecosystem,
                i.change.name,
                i.change.new or i.change.old or "",
            ),
        )

    def counts(self) -> dict[str, int]:
        kinds = ("added", "removed", "upgraded", "downgraded", "changed")
        return {k: sum(1 for i in self.items if i.change.kind == k) for k in kinds}

    def to_json(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "head": self.head,
            "verdict": self.verdict,
            "counts": self.counts(),
            "changes": [i.to_json() for i in self.ordered()],
            "lockfiles": list(self.lockfiles),
            "errors": list(self.errors),
            "notes": list(self.notes),
            "ignoreAllBy": self.ignore_all_by,
            "ignores": [{"package": p, "by": u} for p, u in self.ignores],
        }
