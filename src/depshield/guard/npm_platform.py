"""npm's platform rule: an optional package whose `os` / `cpu` exclude this machine is not
installed, so it is not checked either (fsevents on Linux would otherwise be "new" every time)."""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from depshield.errors import DepshieldError
from depshield.lockfiles.base import Lockfile
from depshield.project_files import read_text

# Python's names -> node's process.platform / process.arch.
_OS = {"win32": "win32", "cygwin": "win32", "darwin": "darwin"}
_CPU = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64", "i686": "ia32"}


def this_os() -> str:
    return _OS.get(sys.platform, "linux" if sys.platform.startswith("linux") else sys.platform)


def this_cpu() -> str:
    machine = platform.machine().lower()
    return _CPU.get(machine, machine)


def allows(values: Any, current: str) -> bool:
    """npm-install-checks: a list of names, where `!name` excludes; empty means any."""
    if not isinstance(values, Sequence) or isinstance(values, str) or not values:
        return True
    names = [str(v) for v in values]
    if f"!{current}" in names:
        return False
    wanted = [n for n in names if not n.startswith("!")]
    return not wanted or current in wanted


def without_foreign_optionals(lock: Lockfile, lock_path: Path) -> Lockfile:
    """`lock` minus the optional packages npm skips on this machine (read from the file's JSON)."""

    try:
        entries = json.loads(read_text(lock_path, root=lock_path.parent)).get("packages")
    except (OSError, ValueError, AttributeError, DepshieldError):
        return lock
    if not isinstance(entries, dict):
        return lock
    skipped = set()
    for path, entry in entries.items():
        if not isinstance(entry, dict) or not entry.get("optional"):
            continue
        if not (allows(entry.get("os"), this_os()) and allows(entry.get("cpu"), this_cpu())):
            name = entry.get("name") or path.rsplit("node_modules/", 1)[-1]
            skipped.add((str(name), str(entry.get("version", ""))))
    if not skipped:
        return lock
    kept = tuple(p for p in lock.packages if (p.name, p.version) not in skipped)
    return replace(lock, packages=kept)
