"""Colour, width and progress decisions for terminal output (docs/output.md)."""

from __future__ import annotations

import os
from typing import TextIO

COLOR_CHOICES = ("auto", "always", "never")


def use_color(choice: str, stream: TextIO) -> bool:
    """`--color always|never` wins; then NO_COLOR (any non-empty value, no-color.org), then
    FORCE_COLOR (any value but "" and "0"); else colour only on a terminal that is not dumb."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    return _isatty(stream) and os.environ.get("TERM") != "dumb"


def terminal_width(stream: TextIO) -> int | None:
    """The terminal's width when `stream` is one (COLUMNS overrides), else None: no wrapping."""
    if not _isatty(stream):
        return None
    import shutil

    return max(40, shutil.get_terminal_size().columns)


def show_progress(stream: TextIO, quiet: bool) -> bool:
    """Progress goes to stderr whenever stderr is a terminal, unless --quiet."""
    return not quiet and _isatty(stream)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream is no terminal
        return False
