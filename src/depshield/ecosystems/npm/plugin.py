"""npm as an ecosystem plug-in: specs, manifest reading, registry fetch, and how npm differs."""

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

_EXACT = re.compile(r"^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_DEPENDENCY_SECTIONS = ("dependencies", "optionalDependencies", "peerDependencies")


class NpmPlugin:
    name: Ecosystem = "npm"
    version_separator = "@"
    release_files = False
    registry_manifest = True
    names_publishers = True
    zero_minor_breaks = True
    links_by_name = True
    maintainer_script_dirs: frozenset[str] = frozenset()
    call_threats_warn = False
    quiet_install_note = (
        "a build step: the install-time code shows no threat, no hiding and no dynamic "
        "code, and starts only build tools, queries or the package's own code"
    )

    popular_names = "npm-popular.txt"
    popularity_by_downloads = True
    license_manifest = "package.json"
    license_line = re.compile(r'^\s*"licen[cs]es?"\s*:')
    osv_name = "npm"
    version_scheme: Scheme = "semver"
    advisory_protocol = "bulk"

    def parse_spec(self, spec: str) -> PackageRef | None:
        """`npm:NAME@VERSION`, `npm:@scope/name@1.2.3`, `npm:NAME` (latest)."""
        if not spec.startswith("npm:"):
            return None
        return parse_name_version(spec[4:])

    def keeps(self, path: str) -> bool:
        from depshield.ecosystems.npm import manifest

        return manifest.keeps(path)

    def read_manifest(self, files: Mapping[str, bytes], paths: Sequence[str]) -> ManifestAnalysis:
        from depshield.ecosystems.npm import manifest

        return manifest.read_manifest(files, paths)

    def artifact_evidence(
        self, filename: str, kept: Mapping[str, bytes], paths: Sequence[str]
    ) -> int:
        return 2 if "package.json" in kept else 0

    def fetch(self, ref: PackageRef, *, artifact: str = "default") -> list[FetchedArtifact]:
        from depshield.ecosystems.npm import registry

        return [registry.fetch(ref)]

    def fetch_locked(
        self,
        pkg: LockedPackage,
        *,
        artifact: str,
        client: httpx.Client | None,
        store: ArtifactStore,
    ) -> FetchedArtifact | None:
        """An entry with an integrity goes straight to the tarball, as `npm ci` does (no
        packument); None (the packument path) for registries with another layout."""
        from depshield.ecosystems.npm.registry import fetch_locked
        from depshield.errors import NotFoundError

        sri = next((h for h in pkg.hashes if h.startswith(("sha512-", "sha1-"))), None)
        if sri is None:
            return None
        try:
            return fetch_locked(pkg.ref, sri, client=client, store=store)
        except NotFoundError:
            return None

    def locked_file(self, pkg: LockedPackage, artifact: str) -> LockedFile | None:
        return None  # one tarball per version

    def is_exact(self, version: str) -> bool:
        return bool(_EXACT.match(version))

    def versions_for(self, name: str, spec: str) -> tuple[str, list[tuple[str, str]]]:
        from depshield.ecosystems.documents import once
        from depshield.ecosystems.npm.registry import get_packument, resolve_version

        packument = once(("npm", name), lambda: get_packument(name))
        version = resolve_version(packument, spec)
        doc: dict[str, Any] = packument["versions"][version]
        deps = {**(doc.get("dependencies") or {}), **(doc.get("optionalDependencies") or {})}
        return version, [(d, s) for d, s in deps.items() if isinstance(s, str)]

    def version_key(self, version: str) -> VersionKey:
        from depshield.ecosystems.npm.history import version_key

        return version_key(version)

    def split_scope(self, name: str) -> tuple[str | None, str]:
        if name.startswith("@") and "/" in name:
            scope, _, rest = name.partition("/")
            return scope, rest
        return None, name

    def registry_key(self, name: str) -> str:
        return name.lower()

    def canonical_name(self, name: str) -> str:
        return name

    def history(self, ref: PackageRef, metadata: Mapping[str, Any]) -> History:
        from depshield.ecosystems.npm.history import history

        return history(ref, metadata)

    def dependency_names(self, manifest: ManifestAnalysis) -> set[str]:
        extra = manifest.extra
        return {name for s in _DEPENDENCY_SECTIONS for name in (extra.get(s) or {})}

    def install_is_quiet(self, install: Iterable[Finding], paths: frozenset[str]) -> bool:
        from depshield.alerts.build_steps import npm_install_is_quiet

        return npm_install_is_quiet(install, paths)

    def for_registry_install(
        self, manifest: ManifestAnalysis
    ) -> tuple[ManifestAnalysis, list[str]]:
        """A registry tarball never runs `prepare` (npm runs it for git and local installs
        only): not an installScripts alert there, one note instead."""
        from dataclasses import replace

        kept: list[Finding] = []
        notes: list[str] = []
        for f in manifest.findings:
            if f.type == "installScripts" and f.props.get("runsFor"):
                notes.append(
                    f"{f.props.get('script')} script not run for registry installs: {f.evidence}"
                )
            else:
                kept.append(f)
        if not notes:
            return manifest, notes
        return replace(manifest, findings=tuple(kept)), notes


def parse_name_version(text: str) -> PackageRef:
    """Split `name@version` where the name may itself start with `@scope/`."""
    at = text.find("@", 1)
    if at == -1:
        return PackageRef("npm", text, None)
    return PackageRef("npm", text[:at], text[at + 1 :] or None)
