"""depshield's own resolution from the index's JSON API (`requires_dist`), for what pip could only
resolve by building: breadth-first, one version per project, environment markers of this Python."""

from __future__ import annotations

import concurrent.futures as cf
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

from depshield.ecosystems.plugins import plugin
from depshield.errors import DepshieldError
from depshield.lockfiles.base import LockedPackage
from depshield.project_files import read_text

MAX_PACKAGES = 2000


def wanted(
    requirements: Iterable[str], from_files: Sequence[LockedPackage]
) -> list[tuple[str, str]]:
    """(name, specifier) for positional requirements and -r entries whose marker applies."""
    from packaging.requirements import InvalidRequirement, Requirement

    out: list[tuple[str, str]] = []
    for text in requirements:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue  # pip itself says what is wrong with it
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            out.append((req.name, str(req.specifier)))
    for pkg in from_files:
        if pkg.marker and not _marker_applies(pkg.marker):
            continue
        out.append((pkg.name, _spec(pkg.version)))
    return out


def resolve_from_index(roots: Sequence[tuple[str, str]]) -> list[LockedPackage]:
    """Every project the roots need, each at the newest version its first requirer allows."""
    from packaging.utils import canonicalize_name

    resolver = plugin("pypi")
    chosen: dict[str, LockedPackage] = {}
    level = [(name, spec, True) for name, spec in roots]
    with cf.ThreadPoolExecutor(max_workers=8) as pool:
        while level and len(chosen) < MAX_PACKAGES:
            jobs: dict[cf.Future[tuple[str, list[tuple[str, str]]]], tuple[str, str, bool]] = {}
            for name, spec, direct in level:
                key = canonicalize_name(name)
                if key in chosen or any(canonicalize_name(n) == key for n, _, _ in jobs.values()):
                    continue
                jobs[pool.submit(resolver.versions_for, name, spec)] = (name, spec, direct)
            level = []
            for future, (name, _spec_text, direct) in jobs.items():
                version, deps = future.result()  # DepshieldError: the caller says why
                chosen[canonicalize_name(name)] = LockedPackage(
                    "pypi", name, version, direct=direct
                )
                level += [(dep, dep_spec, False) for dep, dep_spec in deps]
    return list(chosen.values())


def pyproject_requirements(folder: Path) -> list[tuple[str, str]] | None:
    """A local project's build requirements and dependencies, or None when only running its
    setup.py could tell (no pyproject.toml, or dependencies declared dynamic)."""

    try:
        data = tomllib.loads(read_text(folder / "pyproject.toml", root=folder))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, DepshieldError):
        return None
    project = data.get("project")
    if not isinstance(project, dict) or "dependencies" in (project.get("dynamic") or []):
        return None
    lines = [
        *(data.get("build-system") or {}).get("requires", []),
        *project.get("dependencies", []),
    ]
    return requirement_pairs(lines)


def requirement_pairs(lines: Iterable[object]) -> list[tuple[str, str]]:
    """(name, specifier) of each requirement that applies here (no extra), unparsable skipped."""
    from packaging.requirements import InvalidRequirement, Requirement

    out: list[tuple[str, str]] = []
    for line in lines:
        try:
            req = Requirement(str(line))
        except InvalidRequirement:
            continue
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            out.append((req.name, str(req.specifier)))
    return out


def _spec(version: str) -> str:
    """A requirements entry's version ('1.0' when pinned, else its specifier) as a specifier."""
    if not version or version[:1] in "<>=!~":
        return version
    return f"=={version}"


def _marker_applies(marker: str) -> bool:
    from packaging.markers import InvalidMarker, Marker

    try:
        return Marker(marker).evaluate({"extra": ""})
    except InvalidMarker:
        return True
