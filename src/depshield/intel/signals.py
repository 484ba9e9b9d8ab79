"""Name, license and advisory signals around the code analysis: what the artifact declares
(examined once, cached with it) and what needs outside data or the policy (at judge time)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from depshield.ecosystems.base import ManifestAnalysis
from depshield.model import Finding, PackageRef
from depshield.policy import Policy

if TYPE_CHECKING:
    from depshield.vulns.base import Vulnerability

MANIFEST_FILES = ("package.json", "PKG-INFO")
MAX_LICENSE_BYTES = 256 * 1024


def wants_license_text(path: str) -> bool:
    from depshield.intel.license_text import license_files

    return bool(license_files([path]))


def with_license_findings(
    ecosystem: str,
    manifest: ManifestAnalysis,
    paths: Sequence[str],
    texts: Mapping[str, bytes],
    kept: Mapping[str, bytes],
) -> ManifestAnalysis:
    """The manifest analysis plus license findings that need no policy, and the normalised
    SPDX expression in `extra["spdx"]` for the policy check at judge time."""
    from depshield.intel.licenses import license_findings, normalise

    classifiers = manifest.extra.get("license_classifiers") or manifest.extra.get("classifiers")
    manifest_text = _manifest_text(kept)
    findings = license_findings(
        ecosystem,
        manifest.license,
        [c for c in classifiers or () if isinstance(c, str) and c.startswith("License ::")],
        paths,
        texts,
        (),
        manifest_text,
    )
    extra = {**manifest.extra, "spdx": normalise(manifest.license)}
    return replace(manifest, findings=(*manifest.findings, *findings), extra=extra)


def _manifest_text(kept: Mapping[str, bytes]) -> tuple[str, bytes] | None:
    for name in MANIFEST_FILES:
        if name in kept:
            return name, kept[name]
    for name, data in kept.items():
        if name.endswith(("/METADATA", "/PKG-INFO")):
            return name, data
    return None


def _known_vulnerabilities(
    ref: PackageRef,
    notes: list[str],
    metadata: Mapping[str, Any] | None = None,
    from_registry: bool | None = None,
) -> list[Finding]:
    """The configured registry's advisories (no setup) merged with the imported database's
    records; "not checked" once neither had anything to say (docs/vulnerabilities.md)."""
    from depshield import vulns
    from depshield.vulns import NOT_SERVED

    asked = bool(metadata) if from_registry is None else from_registry
    if not asked and not vulns.default_db_path().is_file():
        # A local artifact and no imported database: nobody to ask, and the advisory and
        # matcher modules (with their record types) need not be imported at all.
        notes.append(vulns.EMPTY_NOTE)
        return []
    from depshield.vulns.registry import advisories_for, merge_sources

    registry = advisories_for(ref, metadata, from_registry=from_registry)
    notes.extend(registry.notes)
    local: list[Vulnerability] = []
    db_notes: list[str] = []
    if vulns.default_db_path().is_file():  # nothing imported: spare the matcher's imports
        from depshield.vulns.match import vulnerabilities_for

        local = vulnerabilities_for(ref.ecosystem, ref.name, ref.version, db_notes)
    else:
        db_notes.append(vulns.EMPTY_NOTE)
    db_empty = vulns.EMPTY_NOTE in db_notes
    if registry.served:
        db_notes = [n for n in db_notes if n != vulns.EMPTY_NOTE]
    elif db_empty and asked:
        # The registry was asked and serves none, and nothing was imported.
        db_notes = [NOT_SERVED if n == vulns.EMPTY_NOTE else n for n in db_notes]
    notes.extend(db_notes)
    return [v.to_finding() for v in merge_sources(registry.vulnerabilities, local)]


def judge_time_findings(
    ref: PackageRef,
    manifest: ManifestAnalysis,
    policy: Policy,
    metadata: Mapping[str, Any] | None = None,
    from_registry: bool | None = None,
) -> tuple[list[Finding], list[str]]:
    """Typosquat check, known vulnerabilities and malware (imported OSV data), and the
    project's allowed-license policy."""
    from depshield.intel.typosquat import did_you_mean

    found: list[Finding] = []
    notes: list[str] = []
    squat = did_you_mean(ref.ecosystem, ref.name)
    if squat is not None:
        found.append(squat)
    if ref.version:
        found += _known_vulnerabilities(ref, notes, metadata, from_registry)
    if policy.allowed_licenses:
        from depshield.intel.licenses import license_findings

        spdx = manifest.extra.get("spdx") or manifest.license
        found += [
            f
            for f in license_findings(ref.ecosystem, spdx, allowed=policy.allowed_licenses)
            if f.type == "licenseSpdxDisj"
        ]
    return found, notes
