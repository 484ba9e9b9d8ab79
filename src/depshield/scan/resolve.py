"""Resolving manifests that carry ranges, not versions (package.json or pyproject.toml alone,
unpinned requirements): the registry's versions, by each ecosystem's own rules, transitively."""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Sequence
from dataclasses import replace

from depshield.ecosystems.base import EcosystemPlugin
from depshield.ecosystems.plugins import plugin
from depshield.errors import DepshieldError
from depshield.lockfiles.base import ROOT, LockedPackage, Lockfile

# The words of a range the registry could not resolve (`scan` exits 6 on it: not a pass).
UNRESOLVED = ": cannot resolve "
MAX_PACKAGES = 5000  # a manifest-only tree larger than this is cut, with a note


def is_unresolved(pkg: LockedPackage) -> bool:
    return pkg.source == "registry" and not plugin(pkg.ecosystem).is_exact(pkg.version)


def resolve_unpinned(lockfiles: Sequence[Lockfile]) -> tuple[list[Lockfile], list[str]]:
    """Each lockfile with its ranges replaced by resolved versions and their dependencies."""
    out: list[Lockfile] = []
    errors: list[str] = []
    for lock in lockfiles:
        if not any(is_unresolved(p) for p in lock.packages):
            out.append(lock)
            continue
        resolver = Resolver(plugin(lock.ecosystem))
        resolved, problems = resolver.resolve(lock)
        out.append(resolved)
        errors += problems
    return out, errors


class Resolver:
    """Breadth-first: every level's documents are fetched in parallel."""

    def __init__(self, ecosystem: EcosystemPlugin) -> None:
        self.ecosystem = ecosystem.name
        # (chosen version, [(dependency name, its spec)]); raises DepshieldError.
        self.versions_for = ecosystem.versions_for

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
                        errors.append(f"{lock.path}{UNRESOLVED}{name} {spec}: {exc.message}")
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
