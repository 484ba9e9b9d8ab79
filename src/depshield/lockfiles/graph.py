"""The dependency graph of a lockfile: the path that brings each package in."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence

from depshield.lockfiles.base import ROOT, Lockfile


class Graph:
    def __init__(self, edges: Iterable[tuple[str, str]]) -> None:
        self.children: dict[str, list[str]] = defaultdict(list)
        for parent, child in edges:
            self.children[parent].append(child)

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


# A path longer than this shows its first and last names only: a hostile 100,000-deep chain
# would otherwise make n^2 text (every package's path repeats its parent's).
_HEAD, _TAIL = 16, 8


def introduced_by(lockfile: Lockfile) -> dict[str, str]:
    """key -> "express > body-parser > qs" (names only), for every package reachable from root;
    a path of more than 24 names is "first 16 > ... (N more) > last 8"."""
    names = {p.key: p.name for p in lockfile.packages}
    parent: dict[str, str] = {}
    depth: dict[str, int] = {ROOT: 0}
    text: dict[str, str] = {ROOT: ""}  # whole paths, kept while short
    head: dict[str, str] = {}  # the first _HEAD names, shared down a long path
    shown: dict[str, str] = {}
    children = Graph(lockfile.edges).children
    queue: deque[str] = deque([ROOT])
    while queue:
        key = queue.popleft()
        for child in children.get(key, ()):
            if child in shown:
                continue
            parent[child], depth[child] = key, depth[key] + 1
            name = names.get(child, child)
            if depth[child] <= _HEAD + _TAIL:
                text[child] = f"{text[key]} > {name}" if text[key] else name
                shown[child] = text[child]
            else:
                shown[child] = _long(child, head[key], depth[child], parent, names)
            head[child] = text[child] if depth[child] == _HEAD else head.get(key, "")
            queue.append(child)
    return shown


def _long(key: str, first: str, depth: int, parent: dict[str, str], names: dict[str, str]) -> str:
    last = [key]
    while len(last) < _TAIL:
        last.append(parent[last[-1]])
    tail = " > ".join(names.get(k, k) for k in reversed(last))
    return f"{first} > ... ({depth - _HEAD - _TAIL} more) > {tail}"


def components(children: Mapping[str, Sequence[str]], nodes: Iterable[str]) -> Iterator[list[str]]:
    """The strongly connected components reachable from `nodes`, each after every component it
    reaches (Tarjan's algorithm, iterative: a 100,000-deep chain must not hit the recursion
    limit). Lets a whole-subtree summary be computed once per component, not once per node;
    yielded as found, so a caller's summaries replace the walk's state instead of adding to a
    list of every component."""
    index: dict[str, int] = {}  # a node's visit order; _DONE once its component is out
    low: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> Iterator[str]:
        index[node] = low[node] = len(index)
        stack.append(node)
        return iter(children.get(node, ()))

    for start in nodes:
        if start in index:
            continue
        work = [(start, visit(start))]
        while work:
            node, pending = work[-1]
            for child in pending:
                if child not in index:
                    work.append((child, visit(child)))
                    break
                # A child still on the stack lowers the node; one whose component is out is
                # _DONE, above every visit order (no set of the nodes on the stack to keep).
                low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    yield _pop_component(stack, index, node)


_DONE = 1 << 62


def _pop_component(stack: list[str], index: dict[str, int], node: str) -> list[str]:
    component = []
    while True:
        member = stack.pop()
        index[member] = _DONE
        component.append(member)
        if member == node:
            return component
