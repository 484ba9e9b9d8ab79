"""The shell analyzer: lifecycle scripts, .sh files and command strings passed to a shell."""

from __future__ import annotations

from depshield.analyzers.shell.script import analyze_shell, script_entry_files

__all__ = ["analyze_shell", "script_entry_files"]
