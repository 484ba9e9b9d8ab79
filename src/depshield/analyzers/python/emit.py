"""Collects findings for one Python file: locations, evidence, de-duplication and caps."""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from depshield.analyzers.python.source import char_column, snippet
from depshield.analyzers.rule import Collector
from depshield.model import Finding, Override

# A 10 MB generated file can hold tens of thousands of identical calls; past this many of one
# type the extra findings add nothing for the judge.
MAX_PER_TYPE = 200


@dataclass(frozen=True, slots=True)
class Placement:
    """Where nested code (an exec'd string, a `python -c` argument) really sits in the file."""

    line: int
    top_level: bool
    props: Mapping[str, Any] = field(default_factory=dict)


class Emitter(Collector):
    """The Python family's collector: de-duplication by key, a cap per type, nested placement."""

    def __init__(
        self,
        file: str,
        lines: list[str],
        extra: Mapping[str, Any] | None = None,
        placement: Placement | None = None,
    ) -> None:
        self.file = file
        self.lines = lines
        self.extra = dict(extra or {})
        self.placement = placement
        super().__init__()
        self.seen: set[Hashable] = set()
        self.per_type: Counter[str] = Counter()

    def nested(self, line: int, top_level: bool, props: Mapping[str, Any]) -> Emitter:
        """An emitter for code found inside a string at `line`, sharing this one's findings."""
        if self.placement is not None:  # already nested: keep the outermost real location
            line, top_level = self.placement.line, self.placement.top_level
        child = Emitter(self.file, self.lines, {**self.extra, **props}, Placement(line, top_level))
        child.share(self)
        child.seen, child.per_type = self.seen, self.per_type
        return child

    def derived(self, extra: Mapping[str, Any]) -> Emitter:
        """An emitter adding `extra` props (fallback marks), sharing this one's findings."""
        child = Emitter(self.file, self.lines, {**self.extra, **extra}, self.placement)
        child.share(self)
        child.seen, child.per_type = self.seen, self.per_type
        return child

    def evidence(self, node: ast.AST) -> tuple[int, int, str]:
        """(line, 1-based column, snippet) for `node`, or the placement of nested code."""
        if self.placement is not None:
            line = self.placement.line
            text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
            return line, 0, snippet(text)
        line = getattr(node, "lineno", 1)
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        col = char_column(text, getattr(node, "col_offset", 0))
        end = None
        if getattr(node, "end_lineno", None) == line:
            end = char_column(text, getattr(node, "end_col_offset", len(text)))
        return line, col + 1, snippet(text, col, end)

    def emit(
        self,
        type_: str,
        node: ast.AST,
        top_level: bool,
        props: Mapping[str, Any] | None = None,
        key: Hashable = None,
        override: Override | None = None,
    ) -> None:
        """Record one finding; `key` (with the type) de-duplicates, default: type + line."""
        line, column, text = self.evidence(node)
        self.add(type_, line, column, text, top_level, props, key, override)

    def add(
        self,
        type_: str,
        line: int,
        column: int,
        text: str,
        top_level: bool,
        props: Mapping[str, Any] | None = None,
        key: Hashable = None,
        override: Override | None = None,
    ) -> None:
        self.check(type_)
        if self.placement is not None:
            top_level = self.placement.top_level
        dedup = (type_, line if key is None else key)
        if dedup in self.seen or self.per_type[type_] >= MAX_PER_TYPE:
            return
        self.seen.add(dedup)
        self.per_type[type_] += 1
        merged = {**(props or {}), **self.extra}
        found = Finding(type_, self.file, line, text, merged, top_level, column, override)
        self.findings.append(found)

    def extend(self, findings: list[Finding]) -> None:
        """Findings from the shared string/shell helpers, re-placed when the code is nested."""
        for f in findings:
            if self.placement is not None:
                f = Finding(
                    f.type,
                    f.file,
                    self.placement.line,
                    f.evidence,
                    {**f.props, **self.extra},
                    self.placement.top_level,
                    0,
                )
            elif self.extra:
                f = Finding(
                    f.type,
                    f.file,
                    f.line,
                    f.evidence,
                    {**f.props, **self.extra},
                    f.top_level,
                    f.column,
                )
            self.add_finding(f)

    def add_finding(self, f: Finding) -> None:
        self.check(f.type)
        dedup = (f.type, f.line, f.evidence, repr(sorted(f.props.items())))
        if dedup in self.seen or self.per_type[f.type] >= MAX_PER_TYPE:
            return
        self.seen.add(dedup)
        self.per_type[f.type] += 1
        self.findings.append(f)
