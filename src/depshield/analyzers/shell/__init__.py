"""The shell analyzer: lifecycle scripts, .sh files and command strings passed to a shell.

The analyzer itself (tree-sitter-bash and its tables) loads on first use: the other families
import only `shell.family` (the types its rules may emit) to declare what they relay."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from depshield.analyzers.shell.script import analyze_shell, script_entry_files

__all__ = ["analyze_shell", "script_entry_files"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from depshield.analyzers.shell import script

        return getattr(script, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
