"""The policy: per-type actions, ignores with reasons and expiry, and the verdict rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from depshield.alerts.catalog import CATALOG
from depshield.ecosystems.plugins import plugin, plugins
from depshield.model import Action, PackageRef, Verdict

ACTIONS: tuple[Action, ...] = ("error", "warn", "monitor", "ignore")


@dataclass(frozen=True, slots=True)
class Ignore:
    """`package` is `name`, `name@version` or `ecosystem:name@version`; `types` None = all."""

    package: str
    reason: str
    expires: dt.date | None = None
    types: frozenset[str] | None = None
    advisory: str | None = None  # an advisory id (GHSA/CVE/PYSEC...): only that finding

    def matches(self, ref: PackageRef, alert_type: str) -> bool:
        if self.advisory is not None:
            return False  # covers one advisory's findings only (advisory_ignore_for)
        if self.types is not None and alert_type not in self.types:
            return False
        return self.names(ref)

    def names(self, ref: PackageRef) -> bool:
        """Whether the entry's package spec covers `ref`, whatever the alert type."""
        spec = self.package
        if not spec:
            return self.advisory is not None  # an advisory ignore without a package: any
        if ":" in spec.split("@", 1)[0] or spec.startswith(tuple(f"{n}:" for n in plugins())):
            eco, _, spec = spec.partition(":")
            if eco != ref.ecosystem:
                return False
        name, version = _split(spec)
        if _norm(name, ref.ecosystem) != _norm(ref.name, ref.ecosystem):
            return False
        return version is None or version == ref.version

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today


def _split(spec: str) -> tuple[str, str | None]:
    for sep in ("==", "@"):
        at = spec.find(sep, 1)
        if at != -1:
            return spec[:at], spec[at + len(sep) :]
    return spec, None


def _norm(name: str, ecosystem: str) -> str:
    return plugin(ecosystem).canonical_name(name)


@dataclass(frozen=True, slots=True)
class Policy:
    actions: Mapping[str, Action] = field(default_factory=dict)
    ignores: tuple[Ignore, ...] = ()
    allowed_licenses: tuple[str, ...] = ()
    source: str | None = None  # the file the policy came from, for messages
    cooldown_days: int | None = None  # recentlyPublished window; None = the default, 0 = off
    fail_on_vuln: str | None = None  # exit 1 on a known vulnerability at or above this severity

    def action_for(self, alert_type: str) -> Action:

        if alert_type in self.actions:
            return self.actions[alert_type]
        entry = CATALOG.get(alert_type)
        return entry.action if entry else "monitor"

    def ignore_for(
        self, ref: PackageRef, alert_type: str, today: dt.date | None = None
    ) -> Ignore | None:
        """The live ignore entry covering this alert, if any (expired entries never cover)."""
        today = today or dt.date.today()
        for entry in self.ignores:
            if entry.matches(ref, alert_type) and not entry.expired(today):
                return entry
        return None

    def expired_ignores(self, ref: PackageRef, today: dt.date | None = None) -> list[Ignore]:
        """Expired entries for this package: reported, so nobody relies on them silently.
        (An expired advisory ignore is reported where its advisory is found.)"""
        today = today or dt.date.today()
        return [e for e in self.ignores if e.expired(today) and e.advisory is None and e.names(ref)]

    def advisory_ignores(
        self, ref: PackageRef, ids: Iterable[str], today: dt.date | None = None
    ) -> list[Ignore]:
        """The advisory ignores naming one of `ids` (an advisory's id and aliases) for `ref`,
        live or expired: the caller tells them apart with `expired`."""
        wanted = {i.upper() for i in ids}
        return [
            e
            for e in self.ignores
            if e.advisory is not None and e.advisory.upper() in wanted and e.names(ref)
        ]


def verdict_of(actions: Iterable[Action]) -> Verdict:
    """block if anything is an error, warn if anything warns, else pass."""
    seen = set(actions)
    if "error" in seen:
        return "block"
    if "warn" in seen:
        return "warn"
    return "pass"
