"""The Markdown table every report draws (package, diff and pull-request), and the size cap
that keeps a comment under GitHub's limit (rows and their details fit together or not at all)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

# How every Markdown report writes a verdict.
VERDICT_TEXT = {"block": "**BLOCK**", "warn": "**WARN**", "pass": "pass"}


def header(columns: Sequence[str], numeric: int = 0) -> str:
    """The head row and its rule; the last `numeric` columns are right-aligned."""
    rule = "|" + "---|" * (len(columns) - numeric) + "---:|" * numeric
    return row(columns) + rule + "\n"


def row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |\n"


def fit(
    items: Sequence[T],
    row_of: Callable[[T], str],
    details_of: Callable[[T], str],
    used: int,
    limit: int,
) -> tuple[list[str], list[str]]:
    """(rows, details) of the leading items whose row and details fit in `limit` characters,
    `used` already taken; the first that does not fit ends the table."""
    rows: list[str] = []
    details: list[str] = []
    for item in items:
        line, block = row_of(item), details_of(item)
        if used + len(line) + len(block) > limit:
            break
        rows.append(line)
        details.append(block)
        used += len(line) + len(block)
    return rows, details
