"""Judge what `examine` found: the registry's and the clock's signals, then the alert judge and
the policy (never cached: the policy and the registry's answers change between runs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from depshield.model import Finding, PackageRef, PackageResult, ecosystem_of
from depshield.policy import Policy

if TYPE_CHECKING:
    from depshield.analysis import Examined


def judge_examined(
    examined: Examined,
    path: Path,
    *,
    ref: PackageRef | None = None,
    policy: Policy | None = None,
    digest: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    extra_findings: Sequence[Finding] = (),
    now: datetime | None = None,
    from_registry: bool | None = None,
) -> PackageResult:
    """Apply the judge (and the policy) to what the analyzers found, and to what the registry
    said about the version (`metadata`: FetchedArtifact.metadata or a registry document).
    `from_registry`: the package comes from a registry even without a document at hand (a
    stored artifact), so the registry's advisories are asked for (default: when `metadata`)."""
    from depshield.alerts.judge import judge

    policy = policy or Policy()
    if ref is None:
        manifest = examined.manifest
        name = manifest.name or path.name
        ref = PackageRef(ecosystem_of(examined.ecosystem), name, manifest.version)
    from depshield.intel.signals import judge_time_findings

    found, notes = judge_time_findings(ref, examined.manifest, policy, metadata, from_registry)
    if metadata:
        from depshield.intel.metadata import metadata_findings

        version = ref.version or examined.manifest.version
        meta_found, meta_notes = metadata_findings(
            PackageRef(ref.ecosystem, ref.name, version),
            metadata,
            examined.manifest,
            now=now,
            cooldown_days=policy.cooldown_days,
        )
        found += meta_found
        notes += meta_notes
    manifest = examined.manifest
    if metadata:
        from depshield.ecosystems.plugins import plugin

        manifest, dropped = plugin(examined.ecosystem).for_registry_install(manifest)
        notes += dropped
    return judge(
        ref,
        manifest,
        examined.files,
        examined.paths,
        examined.refused,
        policy=policy,
        artifact=path.name,
        digest=digest,
        extra_findings=[*found, *extra_findings],
        extra_notes=notes,
    )
