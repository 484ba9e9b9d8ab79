"""A package directory walked in place: regular files read, symlinks reported and never followed."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from depshield.artifacts.base import Limits, Member, Refused
from depshield.artifacts.guard import Budget, member_path, special_kind, split_path

# Version-control data is not part of the package; everything else is scanned as given.
_SKIPPED_DIRS = frozenset({".git"})
# O_NOFOLLOW: a file swapped for a symlink after the scan is not followed; O_NONBLOCK: a file
# swapped for a fifo does not hang the open.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def read_directory(root: Path, limits: Limits) -> Iterator[Member | Refused]:
    """Walk `root` depth-first in name order, yielding its files with paths relative to it."""
    budget = Budget(limits)
    stack: list[tuple[str, str]] = [(os.fspath(root), "")]
    while stack:
        folder, prefix = stack.pop()
        subdirs: list[tuple[str, str]] = []
        for entry in _scan(folder, prefix):
            if isinstance(entry, Refused):
                yield entry
                continue
            if entry.name in _SKIPPED_DIRS and entry.is_dir(follow_symlinks=False):
                continue
            budget.enter()
            item = _entry(entry, prefix + entry.name, budget, subdirs)
            if item is not None:
                yield item
        stack.extend(reversed(subdirs))


def _scan(folder: str, prefix: str) -> list[os.DirEntry[str]] | list[Refused]:
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except OSError as exc:
        return [Refused(prefix.rstrip("/"), f"unreadable directory ({exc.strerror})", "corrupt")]


def _entry(
    entry: os.DirEntry[str], relative: str, budget: Budget, subdirs: list[tuple[str, str]]
) -> Member | Refused | None:
    parts = split_path(relative)
    if isinstance(parts, Refused):
        return parts
    path = member_path(parts, None, budget.limits)
    if isinstance(path, Refused):
        return path
    if entry.is_symlink():
        return Refused(path, f"symbolic link to {_readlink(entry.path)!r}", "link")
    if entry.is_dir(follow_symlinks=False):
        subdirs.append((entry.path, relative + "/"))
        return None
    try:
        kind = special_kind(entry.stat(follow_symlinks=False).st_mode)
    except OSError as exc:
        return Refused(path, f"unreadable file ({exc.strerror})", "corrupt")
    if kind is not None:
        # Never opened: opening a device can have side effects, opening a fifo can block.
        return Refused(path, kind, "device")
    return _read_file(entry.path, path, budget)


def _read_file(location: str, path: str, budget: Budget) -> Member | Refused:
    try:
        fd = os.open(location, _OPEN_FLAGS)
    except OSError as exc:
        return Refused(path, f"unreadable file ({exc.strerror})", "corrupt")
    with os.fdopen(fd, "rb") as handle:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            # Swapped for something else since the scan.
            return Refused(path, special_kind(status.st_mode) or "not a regular file", "device")
        refused = budget.admit(path, status.st_size)
        if refused is not None:
            return refused
        limit = budget.limits.max_file_bytes
        data = handle.read(limit + 1)
    if len(data) > limit:
        # The file grew between the size check and the read.
        return Refused(path, f"more than {limit} bytes, over the per-file limit", "size")
    budget.charge(len(data))
    return Member(path, len(data), data)


def _readlink(location: str) -> str:
    try:
        return os.readlink(location)
    except OSError:
        return "?"
