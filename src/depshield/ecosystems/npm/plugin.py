"""npm as an ecosystem plug-in: specs, manifest reading and registry fetch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from depshield.ecosystems.base import FetchedArtifact, ManifestAnalysis
from depshield.model import PackageRef


class NpmPlugin:
    name = "npm"

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

    def fetch(self, ref: PackageRef, *, artifact: str = "default") -> list[FetchedArtifact]:
        from depshield.ecosystems.npm import registry

        return [registry.fetch(ref)]


def parse_name_version(text: str) -> PackageRef:
    """Split `name@version` where the name may itself start with `@scope/`."""
    at = text.find("@", 1)
    if at == -1:
        return PackageRef("npm", text, None)
    return PackageRef("npm", text[:at], text[at + 1 :] or None)
