"""Collecting npm-family packages and edges into a Lockfile: dedup, flags and direct deps."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from depshield.lockfiles.base import ROOT, LockedPackage, Lockfile, Source
from depshield.lockfiles.npm_common import ECOSYSTEM

EdgeKind = Literal["prod", "dev", "optional", "peer"]
# When one parent reaches a child through two sections, the strongest one decides the flags.
_STRENGTH: dict[str, int] = {"prod": 0, "peer": 1, "optional": 2, "dev": 3}


@dataclass(slots=True)
class _Entry:
    name: str
    version: str
    line: int
    resolved: str | None
    hashes: tuple[str, ...]
    source: Source
    dev: bool | None
    optional: bool | None
    peer: bool | None


def _both(old: bool | None, new: bool | None) -> bool | None:
    """A copy that is needed in production makes the package needed in production."""
    if old is None or new is None:
        return old if new is None else new
    return old and new


class GraphBuilder:
    """Packages keyed `name@version` (copies at several paths merged), edges between keys."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self.format = fmt
        self.entries: dict[str, _Entry] = {}
        self.edges: dict[tuple[str, str], EdgeKind] = {}
        self.projects: set[str] = {ROOT}
        self.notes: list[str] = []

    def add(
        self,
        name: str,
        version: str,
        *,
        line: int = 0,
        resolved: str | None = None,
        hashes: tuple[str, ...] = (),
        source: Source = "registry",
        dev: bool | None = None,
        optional: bool | None = None,
        peer: bool | None = None,
    ) -> str:
        """Record one package (or one more copy of it); returns its key."""
        key = f"{name}@{version}"
        old = self.entries.get(key)
        if old is None:
            self.entries[key] = _Entry(
                name, version, line, resolved, hashes, source, dev, optional, peer
            )
            return key
        old.dev, old.optional, old.peer = (
            _both(old.dev, dev),
            _both(old.optional, optional),
            _both(old.peer, peer),
        )
        if old.line == 0 or 0 < line < old.line:
            old.line = line
        if old.source == "registry" and source != "registry":
            # Same name@version from a git fork or a tarball: the copy that escapes registry
            # checks is the one worth showing.
            old.source, old.resolved, old.hashes = source, resolved, hashes
        elif not old.hashes and hashes:
            old.hashes = hashes
        return key

    def edge(self, parent: str, child: str, kind: EdgeKind = "prod") -> None:
        if parent == child:
            return
        old = self.edges.get((parent, child))
        if old is None or _STRENGTH[kind] < _STRENGTH[old]:
            self.edges[(parent, child)] = kind

    def project(self, key: str) -> None:
        """Mark a workspace package: its own dependencies are the project's direct ones."""
        self.projects.add(key)

    def build(self, *, derive: bool) -> Lockfile:
        """The Lockfile; `derive` computes dev/optional/peer from the edges where not recorded."""
        flags = self._derived() if derive else {}
        direct = {child for (parent, child) in self.edges if parent in self.projects}
        packages = []
        for key, e in self.entries.items():
            dev, optional, peer = flags.get(key, (False, False, False))
            # By position: with keywords, LockedPackage() took 2.5 times as long (issue 17).
            packages.append(
                LockedPackage(
                    ECOSYSTEM,
                    e.name,
                    e.version,
                    e.line,
                    e.resolved,
                    e.hashes,
                    e.source,
                    key in direct,
                    dev if e.dev is None else e.dev,
                    optional if e.optional is None else e.optional,
                    peer if e.peer is None else e.peer,
                )
            )
        packages.sort(key=lambda p: (p.line, p.name, p.version))
        return Lockfile(
            str(self.path),
            ECOSYSTEM,
            self.format,
            tuple(packages),
            tuple(self.edges),
            tuple(self.notes),
        )

    def _derived(self) -> dict[str, tuple[bool, bool, bool]]:
        """npm's meaning: dev / optional / peer when *every* path in goes through such an edge."""
        children: dict[str, list[tuple[str, int]]] = {}
        for (parent, child), kind in self.edges.items():
            children.setdefault(parent, []).append((child, _PASSES[kind]))
        reached = _reach(children)
        flags = {}
        for key, mask in reached.items():
            dev = not mask & _PROD
            optional = not mask & (_REQUIRED if dev else _PROD_REQUIRED)
            flags[key] = (dev, optional, not mask & _NOT_PEER)
        return flags


# The walks of _derived as bits: a key has a bit when some path to it uses only edges that pass.
_PROD, _PROD_REQUIRED, _REQUIRED, _NOT_PEER, _ANY = 1, 2, 4, 8, 16
_PASSES = {
    "prod": _PROD | _PROD_REQUIRED | _REQUIRED | _NOT_PEER | _ANY,
    "dev": _REQUIRED | _NOT_PEER | _ANY,
    "optional": _PROD | _NOT_PEER | _ANY,
    "peer": _PROD | _PROD_REQUIRED | _REQUIRED | _ANY,
}


def _reach(children: dict[str, list[tuple[str, int]]]) -> dict[str, int]:
    """key -> the bits of every walk that reaches it: one pass for the five walks (a key is
    queued again only when it gains a bit, so at most five times)."""
    reached: dict[str, int] = {}
    queue = deque([(ROOT, _PROD | _PROD_REQUIRED | _REQUIRED | _NOT_PEER | _ANY)])
    while queue:
        key, mask = queue.popleft()
        for child, passes in children.get(key, ()):
            old = reached.get(child, 0)
            new = mask & passes & ~old
            if new:
                reached[child] = old | new
                queue.append((child, new))
    return reached
