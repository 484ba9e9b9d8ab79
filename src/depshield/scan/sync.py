"""Is a lockfile in step with the manifest beside it? A dependency declared but not locked, or
locked at a version the declared range rejects, means the lockfile is stale: what gets
installed is then not what was reviewed."""

from __future__ import annotations

import re
from pathlib import Path

from depshield.lockfiles.base import Lockfile

NPM_LOCKS = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock")
PY_LOCKS = ("poetry.lock", "uv.lock", "pdm.lock", "pylock.toml")
_NORMALISE = re.compile(r"[-_.]+")


def out_of_sync(lockfile: Lockfile, base: Path) -> list[str]:
    """Human-readable problems, each naming the manifest and the dependency."""
    path = base / lockfile.path
    name = path.name
    if name in NPM_LOCKS:
        return _npm(lockfile, path.parent / "package.json")
    if name in PY_LOCKS or name.startswith("pylock."):
        return _python(lockfile, path.parent / "pyproject.toml")
    return []


def _npm(lockfile: Lockfile, manifest: Path) -> list[str]:
    from depshield.lockfiles.package_json import sibling_manifest

    declared = sibling_manifest(manifest.parent / "x")
    if declared is None:
        return []
    locked: dict[str, list[str]] = {}
    for pkg in lockfile.packages:
        if pkg.direct:
            locked.setdefault(pkg.name, []).append(pkg.version)
    problems = []
    for dep, spec in sorted({**declared.prod, **declared.dev, **declared.optional}.items()):
        versions = locked.get(dep)
        if not versions:
            problems.append(f"{lockfile.path}: {dep} is declared in package.json but not locked")
        elif not any(_npm_satisfies(v, spec) for v in versions):
            problems.append(
                f"{lockfile.path}: {dep} is locked at {versions[0]} but package.json asks {spec}"
            )
    return problems


def _npm_satisfies(version: str, spec: str) -> bool:
    import nodesemver

    if nodesemver.valid_range(spec, loose=True) is None:
        return True  # git/file/alias specs: not something a range check can judge
    try:
        return bool(nodesemver.satisfies(version, spec, loose=True))
    except ValueError:
        return True


def _python(lockfile: Lockfile, manifest: Path) -> list[str]:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    from depshield import project_files
    from depshield.errors import DepshieldError
    from depshield.lockfiles.pyproject import declared_requirements

    try:
        declared = declared_requirements(project_files.read_text(manifest), manifest)
    except (OSError, UnicodeDecodeError, DepshieldError):
        return []
    locked: dict[str, list[str]] = {}
    for pkg in lockfile.packages:
        locked.setdefault(_NORMALISE.sub("-", pkg.name).lower(), []).append(pkg.version)
    problems = []
    for req in declared:
        if req.kind != "main" or req.url or req.marker:
            continue  # optional groups and marker-limited requirements may rightly be absent
        versions = locked.get(req.name)
        if not versions:
            problems.append(
                f"{lockfile.path}: {req.name} is declared in pyproject.toml but not locked"
            )
            continue
        try:
            spec = SpecifierSet(req.specifier)
        except InvalidSpecifier:
            continue  # Poetry's ^/~ syntax: not PEP 440
        try:
            if not any(Version(v) in spec for v in versions):
                problems.append(
                    f"{lockfile.path}: {req.name} is locked at {versions[0]} "
                    f"but pyproject.toml asks {req.specifier}"
                )
        except InvalidVersion:
            continue
    return problems
