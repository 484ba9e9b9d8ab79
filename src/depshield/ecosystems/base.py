"""The ecosystem plug-in interface: spec parsing, registry fetch and manifest analysis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from depshield.model import Finding, PackageRef


@dataclass(frozen=True, slots=True)
class ManifestAnalysis:
    """What the package's own metadata says, read from the artifact (never from the registry)."""

    name: str | None
    version: str | None
    findings: tuple[Finding, ...] = ()
    # Files that run when the package is installed (npm lifecycle scripts, setup.py, .pth).
    install_entries: tuple[str, ...] = ()
    # Files that run when the package is loaded (npm main/exports, Python packages' modules).
    import_entries: tuple[str, ...] = ()
    license: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class FetchedArtifact:
    """An artifact downloaded and verified; `path` is a local file in the artifact cache."""

    ref: PackageRef
    path: Path
    filename: str
    digest: str  # "sha256-<hex>" of the bytes on disk
    kind: str  # "tgz" | "sdist" | "wheel"
    metadata: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


class EcosystemPlugin(Protocol):
    name: str

    def parse_spec(self, spec: str) -> PackageRef | None:
        """`npm:NAME@VERSION` / `pypi:NAME==VERSION` -> a ref, or None if not this ecosystem's."""
        ...

    def keeps(self, path: str) -> bool:
        """Whether `read_manifest` needs this member's bytes (package.json, PKG-INFO...)."""
        ...

    def read_manifest(self, files: Mapping[str, bytes], paths: Sequence[str]) -> ManifestAnalysis:
        """Analyse the kept metadata files, knowing every path in the artifact."""
        ...

    def fetch(self, ref: PackageRef, *, artifact: str = "default") -> list[FetchedArtifact]:
        """Resolve `ref` at the configured registry, download, verify; raise RegistryError."""
        ...
