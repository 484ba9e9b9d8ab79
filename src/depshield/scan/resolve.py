"""Resolving manifests that carry ranges, not versions (package.json or pyproject.toml alone,
unpinned requirements): the registry's versions, npm semver / PEP 440 semantics, transitively."""

from __future__ import annotations

import concurrent.futures as cf
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from depshield.errors import DepshieldError
from depshield.lockfiles.base import ROOT, LockedPackage, Lockfile

MAX_PACKAGES = 5000  # a manifest-only tree larger than this is cut, with a note
_EXACT_NPM = re.compile(r"^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_EXACT_PYPI = re.compile(r"^[0-9A-Za-z.!+_-]+$")


def is_unresolved(pkg: LockedPackage) -> bool:
    if pkg.source != "registry":
        return False
    if pkg.ecosystem == "npm":
        return not _EXACT_NPM.match(pkg.version)
    version = pkg.version.removeprefix("==")
    return not _EXACT_PYPI.match(version) or version == ""


def resolve_unpinned(lockfiles: Sequence[Lockfile]) -> tuple[list[Lockfile], list[str]]:
    """Each lockfile with its ranges replaced by resolved versions and their dependencies."""
    out: list[Lockfile] = []
    errors: list[str] = []
    for lock in lockfiles:
        if not any(is_unresolved(p) for p in lock.packages):
            out.append(lock)
            continue
        resolver = NpmResolver() if lock.ecosystem == "npm" else PypiResolver()
        resolved, problems = resolver.resolve(lock)
        out.append(resolved)
        errors += problems
    return out, errors


class _Resolver:
    """Breadth-first: every level's documents are fetched in parallel."""

    ecosystem = ""

    def versions_for(self, name: str, spec: str) -> tuple[str, list[tuple[str, str]]]:
        """(chosen version, [(dependency name, its spec)]); raises DepshieldError."""
        raise NotImplementedError

    def resolve(self, lock: Lockfile) -> tuple[Lockfile, list[str]]:
        fixed = [p for p in lock.packages if not is_unresolved(p)]
        level = [(ROOT, p.name, p.version, p) for p in lock.packages if is_unresolved(p)]
        packages: dict[str, LockedPackage] = {p.key: p for p in fixed}
        edges = [e for e in lock.edges if e[1] in packages]
        errors: list[str] = []
        seen: set[tuple[str, str]] = set()
        with cf.ThreadPoolExecutor(max_workers=8) as pool:
            while level and len(packages) < MAX_PACKAGES:
                jobs = {}
                for parent, name, spec, origin in level:
                    if (name, spec) in seen:
                        continue
                    seen.add((name, spec))
                    jobs[pool.submit(self.versions_for, name, spec)] = (parent, name, spec, origin)
                level = []
                for future, (parent, name, spec, origin) in jobs.items():
                    try:
                        version, deps = future.result()
                    except DepshieldError as exc:
                        errors.append(f"{lock.path}: cannot resolve {name} {spec}: {exc.message}")
                        continue
                    pkg = _pinned(origin, name, version, self.ecosystem, parent)
                    edges.append((parent, pkg.key))
                    if pkg.key in packages:
                        continue
                    packages[pkg.key] = pkg
                    level += [(pkg.key, dep, dep_spec, pkg) for dep, dep_spec in deps]
        notes = list(lock.notes)
        if level:
            notes.append(f"dependency tree cut at {MAX_PACKAGES} packages")
        notes.append("resolved against the registry at scan time (no lockfile)")
        return replace(
            lock, packages=tuple(packages.values()), edges=tuple(set(edges)), notes=tuple(notes)
        ), errors


def _pinned(origin: LockedPackage, name: str, version: str, eco: str, parent: str) -> LockedPackage:
    if origin.name == name and parent == ROOT:
        return replace(origin, version=version, direct=True)
    return LockedPackage(eco, name, version, line=0, dev=origin.dev, optional=origin.optional)


class NpmResolver(_Resolver):
    ecosystem = "npm"

    def versions_for(self, name: str, spec: str) -> tuple[str, list[tuple[str, str]]]:
        from depshield.ecosystems.npm.registry import get_packument, resolve_version

        packument = _cached(("npm", name), lambda: get_packument(name))
        version = resolve_version(packument, spec)
        doc: dict[str, Any] = packument["versions"][version]
        deps = {**(doc.get("dependencies") or {}), **(doc.get("optionalDependencies") or {})}
        return version, [(d, s) for d, s in deps.items() if isinstance(s, str)]


class PypiResolver(_Resolver):
    ecosystem = "pypi"

    def versions_for(self, name: str, spec: str) -> tuple[str, list[tuple[str, str]]]:
        from packaging.requirements import InvalidRequirement, Requirement
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
        from packaging.version import InvalidVersion, Version

        from depshield.ecosystems.pypi.index import get_project

        try:
            wanted = SpecifierSet(spec if spec[:1] in "<>=!~" else f"=={spec}" if spec else "")
        except InvalidSpecifier:
            raise DepshieldError(f"invalid specifier {spec!r}") from None
        project = _cached(("pypi", name), lambda: get_project(name))
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
        release = _cached(("pypi", name, best), lambda: get_project(name, best))
        deps = []
        for line in (release.get("info") or {}).get("requires_dist") or []:
            try:
                req = Requirement(line)
            except InvalidRequirement:
                continue
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                deps.append((req.name, str(req.specifier)))
        return best, deps


_DOCS: dict[tuple[str, ...], Any] = {}


def _cached(key: tuple[str, ...], load: Callable[[], Any]) -> Any:
    """One registry document per scan, whichever branch of the tree asks first."""
    if key not in _DOCS:
        _DOCS[key] = load()
    return _DOCS[key]
