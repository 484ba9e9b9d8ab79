"""Analysis of shell text: lifecycle scripts, .sh files, command strings (stub)."""

from __future__ import annotations

from depshield.model import Finding


def analyze_shell(text: str, file: str, line_offset: int = 0, top_level: bool = True) -> list[Finding]:
    """Findings for shell `text` whose first line is line `line_offset + 1` of `file` (stub)."""
    return []
