"""Frozen value types passed between pipeline stages (see docs/architecture.md)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, get_args

Ecosystem = Literal["npm", "pypi"]
ECOSYSTEMS: tuple[Ecosystem, ...] = get_args(Ecosystem)
Verdict = Literal["block", "warn", "pass"]
Severity = Literal["low", "middle", "high", "critical"]
Action = Literal["error", "warn", "monitor", "ignore"]


class When(StrEnum):
    """When a piece of code runs: at install, when the package is imported, or only if called."""

    INSTALL = "install"
    IMPORT = "import"
    CALL = "call"


def ecosystem_of(name: str) -> Ecosystem:
    """`name` as an `Ecosystem` (lockfiles, feeds and documents carry it as text)."""
    for known in ECOSYSTEMS:
        if name == known:
            return known
    raise ValueError(f"unknown ecosystem {name!r}")


@dataclass(frozen=True, slots=True)
class PackageRef:
    ecosystem: Ecosystem
    name: str
    version: str | None = None

    @property
    def purl(self) -> str:
        return _purl(self.ecosystem, self.name, self.version)

    def __str__(self) -> str:
        sep = "==" if self.ecosystem == "pypi" else "@"
        return f"{self.ecosystem}:{self.name}{sep + self.version if self.version else ''}"


@functools.lru_cache(maxsize=1 << 17)  # a scan asks each package's purl many times
def _purl(ecosystem: str, name: str, version: str | None) -> str:
    from urllib.parse import quote

    if ecosystem == "npm":
        scoped = name.startswith("@")
        shown = quote(name, safe="/").replace("@", "%40", 1) if scoped else quote(name)
    else:
        shown = quote(name.lower().replace("_", "-").replace(".", "-"))
    ver = f"@{quote(version, safe='')}" if version else ""
    return f"pkg:{ecosystem}/{shown}{ver}"


@dataclass(frozen=True, slots=True)
class Override:
    """A grade the finding's producer knows better than the catalog's default for this one
    finding (a bot token shipped in install code is high/warn whatever `dataExfiltration`'s
    default is). None keeps the catalog's value; alerts/grading.py applies it."""

    severity: Severity | None = None
    action: Action | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One fact an analyzer saw at a place in a file.

    `type` is an alert type from the catalog (alerts/catalog.py) or a correlation signal
    (analyzers/base.py SIGNAL_*), which the judge turns into threat alerts and never shows as is.
    `top_level` is true when the code runs as soon as the file is loaded (module scope).
    `override`: a severity or action that replaces the catalog's for this finding.
    """

    type: str
    file: str
    line: int = 0
    evidence: str = ""
    props: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    top_level: bool = False
    column: int = 0
    override: Override | None = field(default=None, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class FileAnalysis:
    """What one analyzer found in one file."""

    path: str
    language: str
    findings: tuple[Finding, ...] = ()
    # Relative module specifiers the file loads ("./lib/x", "..util"), resolved by the judge.
    imports: tuple[str, ...] = ()
    lines_of_code: int = 0
    skipped: str | None = None
    # Of `imports`, those loaded only where the file can do without them: inside a `try` with
    # a `catch` (`try { b = require('./wasi.cjs') } catch {}`) or in a branch an environment
    # variable picks (`process.env.COV ? require('./lib-cov') : require('./lib')`).
    optional_imports: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file of a package that was not analysed, or only in part (docs/security.md)."""

    file: str
    reason: str
    kind: str  # "budget" (an analysis budget, analyzers/budget.py) | "refused" | "error"

    def to_json(self) -> dict[str, str]:
        return {"file": self.file, "reason": self.reason, "kind": self.kind}


@dataclass(frozen=True, slots=True)
class Alert:
    type: str
    category: str
    severity: Severity
    action: Action
    title: str
    message: str
    file: str | None = None
    line: int | None = None
    evidence: str | None = None
    props: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "category": self.category,
            "severity": self.severity,
            "action": self.action,
            "title": self.title,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "evidence": self.evidence,
            "props": self.props,
        }


@dataclass(frozen=True, slots=True)
class Scores:
    supplyChain: int = 100
    quality: int = 100
    maintenance: int = 100
    # None: known vulnerabilities were not checked (no database, no advisory source), which
    # is not the same as none found (100); docs/json-schema.md.
    vulnerability: int | None = 100
    license: int = 100
    overall: int = 100

    def to_json(self) -> dict[str, int | None]:
        return {
            "supplyChain": self.supplyChain,
            "quality": self.quality,
            "maintenance": self.maintenance,
            "vulnerability": self.vulnerability,
            "license": self.license,
            "overall": self.overall,
        }


@dataclass(frozen=True, slots=True)
class PackageResult:
    ref: PackageRef
    verdict: Verdict
    scores: Scores
    capabilities: tuple[str, ...]
    alerts: tuple[Alert, ...]
    skipped: str | None = None
    artifact: str | None = None  # which artifact was analysed ("package.tgz", "x-1.0.tar.gz")
    digest: str | None = None
    notes: tuple[str, ...] = ()  # things that could not be checked, with why
    skipped_files: tuple[SkippedFile, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "ecosystem": self.ref.ecosystem,
            "name": self.ref.name,
            "version": self.ref.version,
            "purl": self.ref.purl,
            "verdict": self.verdict,
            "scores": self.scores.to_json(),
            "capabilities": list(self.capabilities),
            "alerts": [a.to_json() for a in self.alerts],
            "skipped": self.skipped,
            "artifact": self.artifact,
            "digest": self.digest,
            "notes": list(self.notes),
            "skippedFiles": [f.to_json() for f in self.skipped_files],
        }
