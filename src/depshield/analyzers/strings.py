"""Classification of one string literal: entropy, length, URLs, known-bad patterns (stub)."""

from __future__ import annotations

from depshield.model import Finding


def scan_literal(value: str, file: str, line: int, top_level: bool = False) -> list[Finding]:
    """Findings for one string literal found at `file:line` (stub until implemented)."""
    return []
