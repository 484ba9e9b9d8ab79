"""Compare two versions of a package: new alerts, capabilities, files, dependencies, publisher."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from depshield.analysis import Examined, examine
from depshield.api import parse_spec
from depshield.ecosystems.plugins import plugin
from depshield.errors import RegistryError
from depshield.judging import judge_examined
from depshield.model import Alert, Finding, PackageRef, PackageResult
from depshield.policy import Policy

# Alert types a minor or patch release should not gain (shared INCIDENTS.md: event-stream,
# chalk/debug, eslint-scope, ua-parser-js all hid one of these in a patch).
RISKY = (
    "installScripts",
    "networkAccess",
    "shellAccess",
    "usesEval",
    "obfuscatedFile",
    "obfuscatedRequire",
    "hasNativeCode",
    "encodedPayloadExecution",
    "remoteCodeDownload",
    "dataExfiltration",
    "reverseShell",
    "credentialHarvesting",
)
REFACTOR_PERCENT = 50.0
REFACTOR_MIN_FILES = 4  # below this one edited file is already half the package
CODE_LANGUAGES = ("javascript", "typescript", "python")


@dataclass(frozen=True, slots=True)
class Side:
    """One version: what the analyzers found, its judged result, what the registry said."""

    examined: Examined
    result: PackageResult
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VersionDiff:
    old: PackageResult
    new: PackageResult  # judged with the diff's own findings (newCapabilityInPatch...)
    change: str  # major | minor | patch | same | downgrade | unknown
    new_alerts: tuple[Alert, ...]
    resolved_alerts: tuple[Alert, ...]
    capabilities_gained: tuple[str, ...]
    capabilities_lost: tuple[str, ...]
    files_added: tuple[str, ...]
    files_removed: tuple[str, ...]
    files_changed: tuple[str, ...]
    changed_percent: float | None  # None when file contents could not be compared
    dependencies_added: tuple[str, ...]
    dependencies_removed: tuple[str, ...]
    publisher: tuple[str | None, str | None]
    license: tuple[str | None, str | None]
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "old": self.old.to_json(),
            "new": self.new.to_json(),
            "change": self.change,
            "newAlerts": [a.to_json() for a in self.new_alerts],
            "resolvedAlerts": [a.to_json() for a in self.resolved_alerts],
            "capabilities": {
                "gained": list(self.capabilities_gained),
                "lost": list(self.capabilities_lost),
            },
            "files": {
                "added": list(self.files_added),
                "removed": list(self.files_removed),
                "changed": list(self.files_changed),
                "changedPercent": self.changed_percent,
            },
            "dependencies": {
                "added": list(self.dependencies_added),
                "removed": list(self.dependencies_removed),
            },
            "publisher": {"from": self.publisher[0], "to": self.publisher[1]},
            "license": {"from": self.license[0], "to": self.license[1]},
            "notes": list(self.notes),
        }


def diff_examined(
    old_examined: Examined,
    new_examined: Examined,
    old_meta: Mapping[str, Any] | None = None,
    new_meta: Mapping[str, Any] | None = None,
    *,
    old_ref: PackageRef | None = None,
    new_ref: PackageRef | None = None,
    policy: Policy | None = None,
    now: datetime | None = None,
) -> VersionDiff:
    """Judge both versions, then compare them (the entry point a project scan can reuse)."""

    sides = []
    for examined, meta, ref in (
        (old_examined, old_meta, old_ref),
        (new_examined, new_meta, new_ref),
    ):
        label = Path(ref.name if ref else examined.manifest.name or "package")
        result = judge_examined(examined, label, ref=ref, policy=policy, metadata=meta, now=now)
        sides.append(Side(examined, result, meta or {}))
    return diff_packages(sides[0], sides[1], policy=policy, now=now)


def fetch_side(ref: PackageRef, policy: Policy | None = None) -> Side:
    """One registry version downloaded (verified, once per digest), examined and judged."""

    fetched = plugin(ref.ecosystem).fetch(ref, artifact="default")[0]
    examined = examine(fetched.path, ref.ecosystem)
    result = judge_examined(
        examined,
        Path(fetched.filename),
        ref=fetched.ref,
        policy=policy,
        digest=fetched.digest,
        metadata=fetched.metadata,
    )
    return Side(examined, result, fetched.metadata)


def load_side(
    spec: str, *, ecosystem: str | None = None, offline: bool = False, policy: Policy | None = None
) -> Side:
    """Examine one version (downloaded from the registry, or read from disk) and judge it."""

    target = parse_spec(spec, ecosystem)
    if isinstance(target, Path):
        examined = examine(target, ecosystem)
        return Side(examined, judge_examined(examined, target, policy=policy))
    if offline:
        raise RegistryError(
            f"--offline: cannot fetch {str(target)!r} from the registry",
            tip="give local paths to both versions, or drop --offline",
        )
    return fetch_side(target, policy)


def diff_packages(
    old: Side, new: Side, *, policy: Policy | None = None, now: datetime | None = None
) -> VersionDiff:
    """Compare two judged versions; the new one is judged again with the diff's findings."""

    change = change_kind(old.examined.ecosystem, old.result.ref.version, new.result.ref.version)
    findings, notes = _findings(old, new, change)
    new_result = judge_examined(
        new.examined,
        Path(new.result.artifact or new.result.ref.name),
        ref=new.result.ref,
        policy=policy,
        digest=new.result.digest,
        metadata=new.metadata,
        extra_findings=findings,
        now=now,
    )
    added, removed, changed, percent = _files(old.examined, new.examined)
    if percent is None:
        notes.append("file contents not compared: no content digests for one of the versions")
    old_deps = dependency_names(old.examined)
    new_deps = dependency_names(new.examined)
    old_keys = {_key(a) for a in old.result.alerts}
    new_keys = {_key(a) for a in new_result.alerts}
    return VersionDiff(
        old=old.result,
        new=new_result,
        change=change,
        new_alerts=tuple(a for a in new_result.alerts if _key(a) not in old_keys),
        resolved_alerts=tuple(a for a in old.result.alerts if _key(a) not in new_keys),
        capabilities_gained=_minus(new_result.capabilities, old.result.capabilities),
        capabilities_lost=_minus(old.result.capabilities, new_result.capabilities),
        files_added=added,
        files_removed=removed,
        files_changed=changed,
        changed_percent=percent,
        dependencies_added=_minus(new_deps, old_deps),
        dependencies_removed=_minus(old_deps, new_deps),
        publisher=(publisher_of(old.metadata), publisher_of(new.metadata)),
        license=(old.examined.manifest.license, new.examined.manifest.license),
        findings=tuple(findings),
        notes=tuple(notes),
    )


def _findings(old: Side, new: Side, change: str) -> tuple[list[Finding], list[str]]:
    """newCapabilityInPatch, majorRefactor and licenseChange for the new version."""
    found: list[Finding] = []
    notes: list[str] = []
    before, after = old.result.ref.version, new.result.ref.version
    if change in ("minor", "patch"):
        had = {a.type for a in old.result.alerts}
        for type_ in RISKY:
            first = next((a for a in new.result.alerts if a.type == type_), None)
            if first is not None and type_ not in had:
                props: dict[str, Any] = {"capability": type_, "from": before, "to": after}
                evidence = f"{type_} is new in {after} (not in {before})"
                found.append(
                    Finding(
                        "newCapabilityInPatch", first.file or "", first.line or 0, evidence, props
                    )
                )
    elif change == "unknown":
        notes.append(f"versions {before!r} and {after!r} could not be compared: no patch check")
    share = changed_share(old.examined, new.examined)
    if share is not None and share.files >= REFACTOR_MIN_FILES and share.percent > REFACTOR_PERCENT:
        props = {"changedPercent": share.percent, "files": share.files, "from": before}
        evidence = f"{share.percent}% of the code changed since {before}"
        found.append(Finding("majorRefactor", "", 0, evidence, props))
    licenses = (old.examined.manifest.license, new.examined.manifest.license)
    if _norm(licenses[0]) != _norm(licenses[1]):
        props = {"from": licenses[0], "to": licenses[1]}
        found.append(Finding("licenseChange", "", 0, f"{licenses[0]} -> {licenses[1]}", props))
    return found, notes


def _files(
    old: Examined, new: Examined
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], float | None]:
    a, b = set(old.paths), set(new.paths)
    added, removed = tuple(sorted(b - a)), tuple(sorted(a - b))
    if (a and not old.digests) or (b and not new.digests):
        return added, removed, (), None
    changed = tuple(sorted(p for p in a & b if old.digests.get(p) != new.digests.get(p)))
    share = changed_share(old, new)
    return added, removed, changed, share.percent if share else 0.0


def _key(alert: Alert) -> tuple[str, str, str]:
    """Alerts are the same across versions by type, file and evidence: lines move. A package-wide
    alert (no file: trivialPackage, recentlyPublished) is the same by type alone, since its
    evidence carries counts that change with every version."""
    if not alert.file:
        return alert.type, "", ""
    return alert.type, alert.file, alert.evidence or ""


def _minus(a: Any, b: Any) -> tuple[str, ...]:
    return tuple(sorted(set(a) - set(b)))


def _norm(license_: str | None) -> str | None:
    return " ".join(license_.split()).lower() if license_ else None


@dataclass(frozen=True, slots=True)
class Share:
    percent: float  # share of the code, by lines, in files added, removed or changed
    files: int  # code files in either version


def changed_share(old: Examined, new: Examined) -> Share | None:
    """How much of the code changed, weighting each code file by its lines (None: no digests).

    Only whole files are compared (content digests), so one edited line counts its whole file.
    """
    if not old.digests or not new.digests:
        return None
    loc_old = {f.path: max(f.lines_of_code, 1) for f in old.files if f.language in CODE_LANGUAGES}
    loc_new = {f.path: max(f.lines_of_code, 1) for f in new.files if f.language in CODE_LANGUAGES}
    paths = loc_old.keys() | loc_new.keys()
    if not paths:
        return Share(0.0, 0)
    total = touched = 0
    for path in paths:
        weight = max(loc_old.get(path, 0), loc_new.get(path, 0))
        total += weight
        if old.digests.get(path) != new.digests.get(path):
            touched += weight
    return Share(round(100 * touched / total, 1), len(paths))


def change_kind(ecosystem: str, old: str | None, new: str | None) -> str:
    """major | minor | patch | same | downgrade | unknown. Where 0.x minors break
    (`zero_minor_breaks`, npm: `^0.2.0` does not accept 0.3.0) a minor bump on 0.x is a major
    one; elsewhere (PEP 440: `>=0.1` or `~=0.1` accept 0.2) the first number alone is."""

    eco = plugin(ecosystem)

    if not old or not new:
        return "unknown"
    try:
        (key_a, line_a, _), (key_b, line_b, _) = (
            eco.version_key(old),
            eco.version_key(new),
        )
    except ValueError:
        return "unknown"
    if key_a == key_b:
        return "same"
    if key_b < key_a:
        return "downgrade"
    caret_zero = eco.zero_minor_breaks and line_a[0] == 0 and line_a[1] != line_b[1]
    if line_a[0] != line_b[0] or caret_zero:
        return "major"
    return "minor" if line_a[1] != line_b[1] else "patch"


def dependency_names(examined: Examined) -> set[str]:
    """Names the package depends on once installed, as its ecosystem's manifest says."""

    return plugin(examined.ecosystem).dependency_names(examined.manifest)


def publisher_of(metadata: Mapping[str, Any]) -> str | None:
    """Who published the version, when the registry says (npm `_npmUser`; PyPI does not)."""
    user = metadata.get("_npmUser")
    name = user.get("name") if isinstance(user, Mapping) else None
    return name if isinstance(name, str) and name else None
