"""Analyse one artifact: a single streamed pass over its members, then the judge."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from depshield.artifacts.base import Limits, Refused
from depshield.model import FileAnalysis, PackageRef, PackageResult
from depshield.policy import Policy


@dataclass(slots=True)
class ArtifactContents:
    """What one pass over an artifact collected: member paths, metadata bytes, file analyses."""

    paths: list[str] = field(default_factory=list)
    kept: dict[str, bytes] = field(default_factory=dict)
    files: list[FileAnalysis] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


def read_artifact(path: Path, limits: Limits | None = None) -> ArtifactContents:
    """Stream every member once: analyse it, keep the metadata files, drop the bytes."""
    from depshield.analyzers.registry import analyzers
    from depshield.artifacts.archive import open_artifact
    from depshield.ecosystems.registry import plugins

    contents = ArtifactContents()
    keepers = list(plugins().values())
    table = analyzers()
    for item in open_artifact(path, limits or Limits()):
        if isinstance(item, Refused):
            contents.refused.append(item)
            continue
        contents.paths.append(item.path)
        if any(p.keeps(item.path) for p in keepers):
            contents.kept[item.path] = item.data
        for analyzer in table:
            if analyzer.wants(item.path):
                contents.files.append(analyzer.analyze(item.path, item.data))
    return contents


def detect_ecosystem(path: Path, contents: ArtifactContents) -> str | None:
    """Which ecosystem an artifact on disk belongs to, from its name and its metadata files."""
    name = path.name.lower()
    if name.endswith((".whl", ".egg")):
        return "pypi"
    kept = contents.kept
    if "package.json" in kept:
        return "npm"
    python_markers = ("PKG-INFO", "setup.py", "pyproject.toml", "setup.cfg")
    if any(p in python_markers or p.endswith(("/PKG-INFO", "/METADATA")) for p in contents.paths):
        return "pypi"
    if name.endswith(".tgz"):
        return "npm"
    return None


def analyze_artifact(
    path: Path,
    *,
    ecosystem: str | None = None,
    ref: PackageRef | None = None,
    policy: Policy | None = None,
    digest: str | None = None,
    limits: Limits | None = None,
) -> PackageResult:
    """The library entry point: artifact bytes (+ what the registry said) -> a judged result."""
    from depshield.alerts.judge import judge
    from depshield.ecosystems.registry import plugin

    contents = read_artifact(path, limits)
    eco = ecosystem or (ref.ecosystem if ref else None) or detect_ecosystem(path, contents)
    if eco is None:
        eco = "npm"
    manifest = plugin(eco).read_manifest(contents.kept, contents.paths)
    if ref is None:
        ref = PackageRef(eco, manifest.name or path.name, manifest.version)
    return judge(
        ref,
        manifest,
        contents.files,
        contents.paths,
        contents.refused,
        policy=policy or Policy(),
        artifact=path.name,
        digest=digest,
    )
