"""The ecosystem plug-in interface: spec parsing, registry fetch and manifest analysis, and
every other way one ecosystem differs from another, so that core modules never name one
(tests/test_ecosystem_neutral.py; adding an ecosystem: docs/architecture.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from depshield.model import Ecosystem, Finding, PackageRef

if TYPE_CHECKING:
    import httpx

    from depshield.artifacts.store import ArtifactStore
    from depshield.intel.history import History, VersionKey
    from depshield.lockfiles.base import LockedFile, LockedPackage
    from depshield.vulns.versions import Scheme


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
    name: Ecosystem
    # How a spec joins name and version ("@" for npm, "==" for PyPI).
    version_separator: str
    # A release publishes several files (PyPI: sdist and wheels): a scan picks one by rule
    # (`locked_file`), the store's alias remembers the choice, the report names the file, and
    # a lock's hashes may belong to the files not chosen.
    release_files: bool
    # The registry serves its own copy of each version's manifest, which can disagree with the
    # artifact's (npm: manifestConfusion).
    registry_manifest: bool
    # The registry names who published each version (npm: newAuthor, unstableOwnership).
    names_publishers: bool
    # A 0.x minor release is a breaking one (npm's caret ranges).
    zero_minor_breaks: bool
    # Local packages are linked by their name, so a folder is found by the name it declares.
    links_by_name: bool
    # Root folders of an artifact for maintainer scripts nothing installs or runs (sdists).
    maintainer_script_dirs: frozenset[str]
    # Call-time threat chains stay at warn unless the installed modules hold them directly.
    call_threats_warn: bool
    # The grading note of an installScripts alert whose install-time code is quiet.
    quiet_install_note: str
    # The popular names list in depshield/data (didYouMean), and whether it counts downloads
    # (else the rank alone says how popular a name is).
    popular_names: str
    popularity_by_downloads: bool
    # The manifest that declares the license, and its declaring line (licence findings' line).
    license_manifest: str
    license_line: re.Pattern[str]
    # The name OSV records give the ecosystem (affected[].package.ecosystem) and the version
    # ordering of its ECOSYSTEM-typed ranges.
    osv_name: str
    version_scheme: Scheme
    # How the configured registry serves known vulnerabilities (vulns/registry.py):
    # "release-document" (a field of each release's JSON document, PyPI), "bulk" (one POST
    # for many name@versions, npm audit's), or "" (it does not).
    advisory_protocol: str

    def parse_spec(self, spec: str) -> PackageRef | None:
        """`npm:NAME@VERSION` / `pypi:NAME==VERSION` -> a ref, or None if not this ecosystem's."""
        ...

    def keeps(self, path: str) -> bool:
        """Whether `read_manifest` needs this member's bytes (package.json, PKG-INFO...)."""
        ...

    def read_manifest(self, files: Mapping[str, bytes], paths: Sequence[str]) -> ManifestAnalysis:
        """Analyse the kept metadata files, knowing every path in the artifact."""
        ...

    def artifact_evidence(
        self, filename: str, kept: Mapping[str, bytes], paths: Sequence[str]
    ) -> int:
        """How strongly an artifact of unknown ecosystem looks like this one's (0: not at all);
        the strongest wins, the first plug-in of the table on a tie."""
        ...

    def fetch(self, ref: PackageRef, *, artifact: str = "default") -> list[FetchedArtifact]:
        """Resolve `ref` at the configured registry, download, verify; raise RegistryError."""
        ...

    def fetch_locked(
        self,
        pkg: LockedPackage,
        *,
        artifact: str,
        client: httpx.Client | None,
        store: ArtifactStore,
    ) -> FetchedArtifact | None:
        """A lockfile entry's artifact the way the package manager gets it (from what the lock
        records), or None when the plain `fetch` must do."""
        ...

    def locked_file(self, pkg: LockedPackage, artifact: str) -> LockedFile | None:
        """With `release_files`: the file of those the lock names that `artifact` picks."""
        ...

    def is_exact(self, version: str) -> bool:
        """Whether a lockfile's version is a pinned version, not a range to resolve."""
        ...

    def versions_for(self, name: str, spec: str) -> tuple[str, list[tuple[str, str]]]:
        """The registry's newest version matching `spec` and its [(dependency, spec)]."""
        ...

    def version_key(self, version: str) -> VersionKey:
        """Sort key, release line and prerelease flag; ValueError when `version` is invalid."""
        ...

    def split_scope(self, name: str) -> tuple[str | None, str]:
        """(scope, name within it) of a scoped name (npm's `@scope/name`), else (None, name)."""
        ...

    def registry_key(self, name: str) -> str:
        """The name as the registry compares names (typosquat look-ups)."""
        ...

    def canonical_name(self, name: str) -> str:
        """The name two spellings of one package share."""
        ...

    def history(self, ref: PackageRef, metadata: Mapping[str, Any]) -> History:
        """The release history from fetch metadata or a whole registry document."""
        ...

    def dependency_names(self, manifest: ManifestAnalysis) -> set[str]:
        """Names the package depends on once installed, from its manifest."""
        ...

    def install_is_quiet(self, install: Iterable[Finding], paths: frozenset[str]) -> bool:
        """Install-time code (findings at INSTALL) only builds: no threat, hiding or eval."""
        ...

    def for_registry_install(
        self, manifest: ManifestAnalysis
    ) -> tuple[ManifestAnalysis, list[str]]:
        """The manifest as a registry install runs it, and notes on what it leaves out."""
        ...
