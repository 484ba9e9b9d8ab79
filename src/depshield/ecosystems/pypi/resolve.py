"""Resolving a PyPI requirement against the index: the newest release a specifier allows (not
yanked), and the requirements of that release that apply without extras."""

from __future__ import annotations

from depshield.errors import DepshieldError


def versions_for(name: str, spec: str) -> tuple[str, list[tuple[str, str]]]:
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    from depshield.ecosystems.documents import once
    from depshield.ecosystems.pypi.index import get_project

    try:
        wanted = SpecifierSet(spec if spec[:1] in "<>=!~" else f"=={spec}" if spec else "")
    except InvalidSpecifier:
        raise DepshieldError(f"invalid specifier {spec!r}") from None
    project = once(("pypi", name), lambda: get_project(name))
    candidates = []
    for text, files in (project.get("releases") or {}).items():
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        if files and not all(f.get("yanked") for f in files) and version in wanted:
            candidates.append(version)
    if not candidates:
        raise DepshieldError(f"no release of {name!r} matches {spec!r}")
    best = str(max(candidates))
    release = once(("pypi", name, best), lambda: get_project(name, best))
    deps = []
    for line in (release.get("info") or {}).get("requires_dist") or []:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            deps.append((req.name, str(req.specifier)))
    return best, deps
