"""What every artifact reader shares: member path checks, the package prefix and the budget."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable

from depshield.artifacts.base import Limits, Refused

# Below this many expanded bytes a high ratio is normal (tar headers and padding compress ~100:1),
# so ratio guards only judge data past it.
RATIO_FLOOR = 1 << 20

_DRIVE = re.compile(r"[A-Za-z]:")
_SPECIAL_MODES = (
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISFIFO, "fifo"),
    (stat.S_ISSOCK, "socket"),
)


class Stop(Exception):
    """Raised inside a reader to end the artifact with one last refusal (a limit was hit)."""

    def __init__(self, refused: Refused) -> None:
        super().__init__(refused.reason)
        self.refused = refused


def split_path(name: str) -> list[str] | Refused:
    """The POSIX components of a member name, or why the name is refused (absolute, drive, `..`)."""
    # Names are bytes in the archive; surrogate escapes must not leak into reports as text.
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    # Windows extractors treat backslashes as separators, so `..\..\x` is a traversal there.
    text = text.replace("\\", "/")
    if text.startswith("/") or _DRIVE.match(text):
        return Refused(text, "absolute path", "path")
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if ".." in parts:
        return Refused(text, "path climbs out of the package with '..'", "path")
    return parts


def member_path(parts: list[str], top: str | None, limits: Limits) -> str | Refused:
    """The member's path with the package prefix `top` stripped, or a refusal when too deep."""
    if top is not None and len(parts) > 1 and parts[0] == top:
        parts = parts[1:]
    path = "/".join(parts)
    if not parts:
        return Refused(path, "empty member name", "path")
    if len(parts) > limits.max_depth:
        reason = f"{len(parts)} path components, over the limit of {limits.max_depth}"
        return Refused(path, reason, "depth")
    return path


def first_top(parts: list[str], is_dir: bool) -> str | None:
    """The prefix a tar stream's first entry announces: its top directory, if it has one."""
    if is_dir:
        return parts[0] if parts else None
    return parts[0] if len(parts) > 1 else None


def common_top(paths: Iterable[list[str]]) -> str | None:
    """The first component every path shares, when each has one below it ("name-1.0/...")."""
    tops = {parts[0] if len(parts) > 1 else None for parts in paths}
    if len(tops) == 1:
        return tops.pop()
    return None


def special_kind(mode: int) -> str | None:
    """ "fifo", "socket" or a device name for a special file's mode; None for anything else."""
    for test, name in _SPECIAL_MODES:
        if test(mode):
            return name
    return None


def after(entries: int) -> str:
    """ "after 1 member", "after 12 members": where in the archive a reading stopped."""
    return f"after {entries} member{'' if entries == 1 else 's'}"


class Budget:
    """Counts entries and bytes read against the limits; raises Stop at the archive-wide ones."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.entries = 0
        self.bytes = 0

    def enter(self) -> None:
        """Count one more entry of any type, stopping past `max_members`."""
        self.entries += 1
        if self.entries > self.limits.max_members:
            reason = f"more than {self.limits.max_members} members"
            raise Stop(Refused("", reason, "count"))

    def admit(self, path: str, size: int) -> Refused | None:
        """None when a file of `size` bytes may be read; a refusal when it is too big alone."""
        if size > self.limits.max_file_bytes:
            reason = f"{size} bytes, over the per-file limit of {self.limits.max_file_bytes}"
            return Refused(path, reason, "size")
        if self.bytes + size > self.limits.max_total_bytes:
            reason = f"more than {self.limits.max_total_bytes} uncompressed bytes in all"
            raise Stop(Refused("", reason, "size"))
        return None

    def charge(self, size: int) -> None:
        self.bytes += size
