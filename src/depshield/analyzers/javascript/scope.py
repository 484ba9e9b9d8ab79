"""Function scopes as nested byte intervals: innermost scope and module-level tests in O(log n)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator

PROGRAM = -1
MAX_CHAIN = 256  # deeper scope chains (hostile nesting) jump straight to the program scope


class Scopes:
    """The functions of a file as properly nested [start, end) byte intervals.

    Built once from the function nodes' ranges; answers "which function encloses this byte"
    by bisecting a precomputed segment table instead of walking parents (tree-sitter's
    `Node.parent` costs O(depth), which a 10,000-level hostile file turns quadratic).
    """

    def __init__(self, ranges: Iterable[tuple[int, int]]) -> None:
        spans = sorted(set(ranges), key=lambda r: (r[0], -r[1]))
        self.starts = [s for s, _ in spans]
        self.ends = [e for _, e in spans]
        self.index = {span: i for i, span in enumerate(spans)}
        self.parent = [PROGRAM] * len(spans)
        self._positions: list[int] = []
        self._innermost: list[int] = []
        self._sweep()
        self._opaque = list(range(len(spans)))

    def _sweep(self) -> None:
        points = sorted({*self.starts, *self.ends})
        stack: list[int] = []
        nxt = 0
        for point in points:
            while stack and self.ends[stack[-1]] <= point:
                stack.pop()
            while nxt < len(self.starts) and self.starts[nxt] == point:
                self.parent[nxt] = stack[-1] if stack else PROGRAM
                stack.append(nxt)
                nxt += 1
            self._positions.append(point)
            self._innermost.append(stack[-1] if stack else PROGRAM)

    def innermost(self, pos: int) -> int:
        """The innermost function whose range contains byte `pos`, or PROGRAM."""
        i = bisect_right(self._positions, pos) - 1
        return self._innermost[i] if i >= 0 else PROGRAM

    def enclosing(self, start: int, end: int) -> int:
        """The innermost function strictly containing [start, end) (not the range itself)."""
        i = self.innermost(start)
        while i != PROGRAM and (
            self.ends[i] < end or (self.starts[i] == start and self.ends[i] == end)
        ):
            i = self.parent[i]
        return i

    def chain(self, scope: int) -> Iterator[int]:
        """`scope` and its enclosing functions, innermost first, always ending with PROGRAM."""
        for _ in range(MAX_CHAIN):
            if scope == PROGRAM:
                break
            yield scope
            scope = self.parent[scope]
        yield PROGRAM

    def contains(self, scope: int, pos: int) -> bool:
        return scope == PROGRAM or self.starts[scope] <= pos < self.ends[scope]

    def set_transparent(self, spans: Iterable[tuple[int, int]]) -> None:
        """Functions that run as soon as their enclosing code does (IIFEs, callbacks of calls
        made at load time): code inside them still counts as module level."""
        transparent = {self.index[s] for s in spans if s in self.index}
        for i in range(len(self.starts)):  # parents sort before children
            parent = self.parent[i]
            if i not in transparent:
                self._opaque[i] = i
            else:
                self._opaque[i] = PROGRAM if parent == PROGRAM else self._opaque[parent]

    def top_level(self, pos: int) -> bool:
        """True when byte `pos` runs when the file loads: no ordinary function encloses it."""
        i = self.innermost(pos)
        return i == PROGRAM or self._opaque[i] == PROGRAM
