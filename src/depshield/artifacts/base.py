"""Archive members, the limits that keep hostile archives bounded, and what was refused."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    max_members: int = 20_000
    max_total_bytes: int = 512 * 1024 * 1024  # uncompressed, across all members read
    max_file_bytes: int = 16 * 1024 * 1024  # one member read into memory for analysis
    max_ratio: float = 200.0  # uncompressed / compressed, per zip member and whole gzip stream
    max_depth: int = 32  # path components


@dataclass(frozen=True, slots=True)
class Member:
    """One regular file of an artifact, its path normalised and its package prefix stripped
    ("package/lib/x.js" -> "lib/x.js", "name-1.0/setup.py" -> "setup.py")."""

    path: str
    size: int
    data: bytes


@dataclass(frozen=True, slots=True)
class Refused:
    """A member that was not read, and why: links, devices, absolute or `..` paths, limits."""

    path: str
    reason: str
    kind: str  # "link" | "device" | "path" | "size" | "ratio" | "count" | "depth" | "corrupt"
