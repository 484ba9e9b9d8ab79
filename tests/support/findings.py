"""Selecting findings in tests: by type, in the analysed file, at a line, with props."""

from __future__ import annotations

from typing import Any

from depshield.model import FileAnalysis, Finding


def matching(
    result: FileAnalysis, type_: str, line: int | None = None, **props: Any
) -> list[Finding]:
    return [
        f
        for f in result.findings
        if f.type == type_
        and f.file == result.path
        and (line is None or f.line == line)
        and all(f.props.get(k) == v for k, v in props.items())
    ]
