"""PyPI as an ecosystem plug-in: specs, manifest reading, index fetch, and how PyPI differs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from depshield.ecosystems.base import FetchedArtifact, ManifestAnalysis
from depshield.model import Ecosystem, Finding, PackageRef

if TYPE_CHECKING:
    import httpx

    from depshield.artifacts.store import ArtifactStore
    from depshield.intel.history import History, VersionKey
    from depshield.lockfiles.base import LockedFile, LockedPackage
    from depshield.vulns.versions import Scheme

_SPEC = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\s*(?:==|@)\s*(?P<version>\S+))?$")
_EXACT = re.compile(r"^[0-9A-Za-z.!+_-]+$")
_MARKERS = ("PKG-INFO", "setup.py", "pyproject.toml", "setup.cfg")


class PypiPlugin:
    name: Ecosystem = "pypi"
    version_separator = "=="
    release_files = True
    registry_manifest = False
    names_publishers = False
    zero_minor_breaks = False
    links_by_name = False
    # Root folders of a source archive for maintainer scripts (not packages: their files are
    # not among the modules the package installs, see ecosystems/pypi/manifest.py).
    maintainer_script_dirs = frozenset({"scripts", "tools", "ci", "dev", "bin"})
    call_threats_warn = True
    quiet_install_note = (
        "build customisation: the install-time code shows no network, no dynamic "
        "code, no hiding and starts only build tools"
    )

    popular_names = "pypi-popular.txt"
    popularity_by_downloads = False
    license_manifest = "PKG-INFO"
    license_line = re.compile(r"^(License-Expression|License):", re.IGNORECASE)
    osv_name = "PyPI"
    version_scheme: Scheme = "pep440"
    advisory_protocol = "release-document"

    def parse_spec(self, spec: str) -> PackageRef | None:
        """`pypi:NAME==VERSION` or `pypi:NAME` (latest)."""
        if not spec.startswith("pypi:"):
            return None
        return parse_name_version(spec[5:])

    def keeps(self, path: str) -> bool:
        from depshield.ecosystems.pypi import manifest

        return manifest.keeps(path)

    def read_manifest(self, files: Mapping[str, bytes], paths: Sequence[str]) -> ManifestAnalysis:
        from depshield.ecosystems.pypi import manifest

        return manifest.read_manifest(files, paths)

    def artifact_evidence(
        self, filename: str, kept: Mapping[str, bytes], paths: Sequence[str]
    ) -> int:
        """A wheel or egg by its name outranks a package.json; metadata files or Python code
        without JavaScript rank below one."""
        if filename.lower().endswith((".whl", ".egg")):
            return 3
        if any(p in _MARKERS or p.endswith(("/PKG-INFO", "/METADATA")) for p in paths):
            return 1
        if any(p.endswith(".py") for p in paths) and not any(p.endswith(".js") for p in paths):
            return 1
        return 0

    def fetch(self, ref: PackageRef, *, artifact: str = "default") -> list[FetchedArtifact]:
        from depshield.ecosystems.pypi import index

        return index.fetch(ref, artifact=artifact)

    def fetch_locked(
        self,
        pkg: LockedPackage,
        *,
        artifact: str,
        client: httpx.Client | None,
        store: ArtifactStore,
    ) -> FetchedArtifact | None:
        """Only the files the lock names are candidates: what a hash-checking install accepts."""
        from depshield.ecosystems.pypi.index import fetch
        from depshield.lockfiles.hashes import lock_digests

        only = lock_digests(pkg)
        return fetch(pkg.ref, artifact=artifact, client=client, store=store, only=only)[0]

    def locked_file(self, pkg: LockedPackage, artifact: str) -> LockedFile | None:
        """The file of those the lock names that `artifact` picks ("install", else the sdist
        first), or None when the lock names none (then the index's listing decides)."""
        from depshield.ecosystems.pypi.choice import SDIST, install_rank

        def key(item: LockedFile) -> tuple[bool, tuple[int, int, str]]:
            rank = install_rank(item.name)
            return (artifact != "install" and rank[0] != SDIST, rank)

        return min(pkg.files, key=key, default=None)

    def is_exact(self, version: str) -> bool:
        version = version.removeprefix("==")
        return bool(_EXACT.match(version)) and version != ""

    def versions_for(self, name: str, spec: str) -> tuple[str, list[tuple[str, str]]]:
        from depshield.ecosystems.pypi.resolve import versions_for

        return versions_for(name, spec)

    def version_key(self, version: str) -> VersionKey:
        from depshield.ecosystems.pypi.history import version_key

        return version_key(version)

    def split_scope(self, name: str) -> tuple[str | None, str]:
        return None, name  # no scopes

    def registry_key(self, name: str) -> str:
        return self.canonical_name(name)

    def canonical_name(self, name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503

    def history(self, ref: PackageRef, metadata: Mapping[str, Any]) -> History:
        from depshield.ecosystems.pypi.history import history

        return history(ref, metadata)

    def dependency_names(self, manifest: ManifestAnalysis) -> set[str]:
        """Requires-Dist, canonical names."""
        from packaging.requirements import InvalidRequirement, Requirement

        names: set[str] = set()
        for text in manifest.extra.get("requires_dist") or ():
            try:
                names.add(self.canonical_name(Requirement(text).name))
            except InvalidRequirement:
                continue
        return names

    def install_is_quiet(self, install: Iterable[Finding], paths: frozenset[str]) -> bool:
        from depshield.alerts.build_steps import install_is_quiet

        return install_is_quiet((f for f in install if f.file != "package.json"), paths)

    def for_registry_install(
        self, manifest: ManifestAnalysis
    ) -> tuple[ManifestAnalysis, list[str]]:
        return manifest, []


def parse_name_version(text: str) -> PackageRef | None:
    match = _SPEC.match(text.strip())
    if not match:
        return None
    return PackageRef("pypi", match["name"], match["version"])
