"""Value types of the vulnerability and threat-feed layer: matches, severities, imports, status."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from depshield.ecosystems.plugins import plugins
from depshield.errors import DepshieldError
from depshield.model import Finding


def osv_ecosystem(ecosystem: str) -> str | None:
    """The name OSV records give one of depshield's ecosystems (affected[].package.ecosystem),
    None for an ecosystem no plug-in knows."""
    found = plugins().get(ecosystem.lower())
    return found.osv_name if found else None


def osv_ecosystem_of(ecosystem: str) -> str:
    """`osv_ecosystem`, for an ecosystem that must have vulnerability data."""
    name = osv_ecosystem(ecosystem)
    if name is None:
        raise VulnDbError(f"ecosystem {ecosystem!r} has no vulnerability data")
    return name


MALWARE = "malware"
CRITICAL_CVE = "criticalCVE"
HIGH_CVE = "cve"
MEDIUM_CVE = "mediumCVE"
LOW_CVE = "mildCVE"


class VulnDbError(DepshieldError):
    """The vulnerability database cannot be opened, read or written."""


@dataclass(frozen=True, slots=True)
class VulnSeverity:
    """How bad a vulnerability is: the alert type it maps to and what that was computed from."""

    alert_type: str
    score: float | None = None  # CVSS base score, when a vector was scored
    vector: str | None = None
    label: str | None = None  # database_specific.severity as written (GHSA: LOW..CRITICAL)

    @property
    def rank(self) -> tuple[int, float]:
        """Orders severities: a known one beats an unknown one, then by alert type and score."""
        known = 0 if self.score is None and self.label is None else 1
        order = (LOW_CVE, MEDIUM_CVE, HIGH_CVE, CRITICAL_CVE)
        return (known, order.index(self.alert_type) + (self.score or 0.0) / 100.0)


UNKNOWN_SEVERITY = VulnSeverity(MEDIUM_CVE)


@dataclass(frozen=True, slots=True)
class Vulnerability:
    """One vulnerability (or malware report) affecting the package version looked up.

    Records that alias each other are merged: `id` is the first-seen record's id and `aliases`
    lists every other id (CVE, GHSA, PYSEC...) the merged records carry. The package and version
    are the caller's: results are shared between lookups of versions that match alike.
    """

    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: VulnSeverity
    malicious: bool = False
    affected_range: str = ""  # human text of the matched range (">= 2.0.0, < 2.0.3")
    first_patched: str | None = None  # the first fixed version above the matched version
    url: str | None = None
    source: str | None = None  # malware: the feed(s) that reported it

    @property
    def alert_type(self) -> str:
        return MALWARE if self.malicious else self.severity.alert_type

    def to_finding(self) -> Finding:
        """The finding the judge turns into a `malware` or `*CVE` alert."""
        props: dict[str, Any]
        if self.malicious:
            props = {
                "id": self.id,
                "summary": self.summary,
                "source": self.source or "unknown",
                "aliases": list(self.aliases),
            }
        else:
            suggestion = (
                f"upgrade to {self.first_patched}"
                if self.first_patched
                else "no fixed version is known: consider removing or replacing the package"
            )
            props = {
                "id": self.id,
                "aliases": list(self.aliases),
                "cvss": self.severity.score,
                "vector": self.severity.vector,
                "range": self.affected_range,
                "firstPatched": self.first_patched,
                "url": self.url,
                "suggestion": suggestion,
            }
        return Finding(type=self.alert_type, file="", line=0, evidence=self.summary, props=props)


@dataclass(frozen=True, slots=True)
class Lookup:
    """What a lookup found, and what it could not check (empty database, invalid version)."""

    vulnerabilities: tuple[Vulnerability, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def findings(self) -> list[Finding]:
        return [v.to_finding() for v in self.vulnerabilities]


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A record an import could not use, named by the file it came from."""

    origin: str
    reason: str


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """The outcome of importing one source (zip, directory or file)."""

    source: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    per_ecosystem: tuple[tuple[str, int], ...] = ()
    malicious: int = 0
    skipped: tuple[SkippedRecord, ...] = ()

    @property
    def records(self) -> int:
        return self.new + self.updated + self.unchanged


@dataclass(frozen=True, slots=True)
class DbStatus:
    """What the local database holds."""

    path: Path
    exists: bool
    records: int = 0
    per_ecosystem: tuple[tuple[str, int], ...] = ()
    malicious: int = 0
    withdrawn: int = 0
    last_import: str | None = None
    sources: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return self.records == 0
