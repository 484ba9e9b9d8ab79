"""PyPI as an ecosystem plug-in: specs, manifest reading and index fetch."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from depshield.ecosystems.base import FetchedArtifact, ManifestAnalysis
from depshield.model import PackageRef

_SPEC = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\s*(?:==|@)\s*(?P<version>\S+))?$")


class PypiPlugin:
    name = "pypi"

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

    def fetch(self, ref: PackageRef, *, artifact: str = "default") -> list[FetchedArtifact]:
        from depshield.ecosystems.pypi import index

        return index.fetch(ref, artifact=artifact)


def parse_name_version(text: str) -> PackageRef | None:
    match = _SPEC.match(text.strip())
    if not match:
        return None
    return PackageRef("pypi", match["name"], match["version"])
