"""The dependency graph of a lockfile: the path that brings each package in."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable

from depshield.lockfiles.base import ROOT, Lockfile


class Graph:
    def __init__(self, edges: Iterable[tuple[str, str]]) -> None:
        self.children: dict[str, list[str]] = defaultdict(list)
        for parent, child in edges:
            self.children[parent].append(child)

    def paths(self) -> dict[str, list[str]]:
        """Shortest path from the project to every reachable package key (breadth first)."""
        found: dict[str, list[str]] = {}
        queue: deque[tuple[str, list[str]]] = deque([(ROOT, [])])
        while queue:
            key, path = queue.popleft()
            for child in self.children.get(key, ()):
                if child not in found:
                    found[child] = [*path, child]
                    queue.append((child, found[child]))
        return found

    def subtree(self, key: str) -> set[str]:
        """Every key reachable from `key`, itself included."""
        return self.reach((key,), set())

    def reach(self, starts: Iterable[str], seen: set[str]) -> set[str]:
        """Add to `seen` every key reachable from `starts`, themselves included, never walking
        below a key already in it (so many starts cost one walk, not one each); returns it."""
        stack = [key for key in starts if key not in seen]
        seen.update(stack)
        while stack:
            for child in self.children.get(stack.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return seen


def introduced_by(lockfile: Lockfile) -> dict[str, str]:
    """key -> "express > body-parser > qs" (names only), for every package reachable from root."""
    names = {p.key: p.name for p in lockfile.packages}
    return {
        key: " > ".join(names.get(k, k) for k in path)
        for key, path in Graph(lockfile.edges).paths().items()
    }
