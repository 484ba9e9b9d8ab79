"""Zip members (wheels, zip sdists, eggs) read one at a time with bounded reads."""

from __future__ import annotations

import io
import lzma
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from depshield.artifacts.base import Limits, Member, Refused
from depshield.artifacts.guard import (
    RATIO_FLOOR,
    Budget,
    Stop,
    common_top,
    member_path,
    special_kind,
    split_path,
)

# What zipfile raises on hostile bytes, from its own checks and from the codecs under it.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    struct.error,
    zlib.error,
    lzma.LZMAError,
)
# Central directory bytes allowed per permitted member, and at least this many in all.
_DIRECTORY_BYTES_PER_MEMBER = 512
_MIN_DIRECTORY_CAP = 1 << 20
_WHEEL_MARK = re.compile(r"[^/]+\.dist-info/WHEEL")
_MAX_LINK_TARGET = 4096


class _DirectoryTooBig(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class _CappedFile(io.FileIO):
    """The archive file, refusing any one read over `cap` bytes while `cap` is set.

    zipfile reads the whole central directory in one call and builds a ZipInfo per entry before
    anything can be counted, so an archive declaring millions of entries is a memory bomb.
    """

    cap: int | None = None

    def read(self, size: int | None = -1, /) -> bytes:
        if self.cap is not None:
            wanted = size if size is not None and size >= 0 else self._left()
            if wanted > self.cap:
                raise _DirectoryTooBig(wanted)
        return super().read(size) or b""

    def _left(self) -> int:
        return os.fstat(self.fileno()).st_size - self.tell()


def read_zip(path: Path, limits: Limits) -> Iterator[Member | Refused]:
    """Read the members of the zip file at `path`, one at a time."""
    budget = Budget(limits)
    with _CappedFile(path, "rb") as raw, _open(raw, limits) as archive:
        infos = archive.infolist()
        top = None if _is_wheel(path, infos) else common_top(_file_parts(infos))
        for info in infos:
            budget.enter()
            item = _entry(archive, info, top, budget)
            if item is not None:
                yield item


def _open(raw: _CappedFile, limits: Limits) -> zipfile.ZipFile:
    raw.cap = max(limits.max_members * _DIRECTORY_BYTES_PER_MEMBER, _MIN_DIRECTORY_CAP)
    try:
        archive = zipfile.ZipFile(raw)
    except _DirectoryTooBig as exc:
        reason = f"central directory of {exc.size} bytes, too big for {limits.max_members} members"
        raise Stop(Refused("", reason, "count")) from None
    except _ZIP_ERRORS as exc:
        raise Stop(Refused("", f"corrupt zip central directory ({exc})", "corrupt")) from None
    raw.cap = None
    return archive


def _is_wheel(path: Path, infos: list[zipfile.ZipInfo]) -> bool:
    # Wheels keep their paths: `pkg/` and `pkg-1.0.dist-info/` both sit at the top.
    return path.suffix == ".whl" or any(_WHEEL_MARK.fullmatch(i.filename) for i in infos)


def _is_dir(info: zipfile.ZipInfo) -> bool:
    # pip decides by the name alone and writes anything else as a file.
    return info.filename.endswith(("/", "\\"))


def _file_parts(infos: list[zipfile.ZipInfo]) -> Iterator[list[str]]:
    for info in infos:
        parts = split_path(info.filename)
        if not _is_dir(info) and not isinstance(parts, Refused):
            yield parts


def _entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, top: str | None, budget: Budget
) -> Member | Refused | None:
    parts = split_path(info.filename)
    if isinstance(parts, Refused) or _is_dir(info):
        return parts if isinstance(parts, Refused) else None
    path = member_path(parts, top, budget.limits)
    if isinstance(path, Refused):
        return path
    refused = _special(archive, info, path) or _declared(info, path, budget)
    if refused is not None:
        return refused
    try:
        with archive.open(info) as handle:
            # zipfile stops at the declared size and then checks the CRC, so a header that
            # understates the data ends in BadZipFile, never in more bytes than declared.
            data = handle.read(budget.limits.max_file_bytes + 1)
    except _ZIP_ERRORS as exc:
        return Refused(path, f"unreadable member ({exc})", "corrupt")
    budget.charge(len(data))
    return Member(path, len(data), data)


def _special(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str) -> Refused | None:
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return Refused(path, f"symbolic link to {_link_target(archive, info)!r}", "link")
    kind = special_kind(mode)
    if kind is not None:
        return Refused(path, kind, "device")
    if info.flag_bits & 0x1:
        return Refused(path, "encrypted member", "corrupt")
    return None


def _declared(info: zipfile.ZipInfo, path: str, budget: Budget) -> Refused | None:
    size, ratio = info.file_size, budget.limits.max_ratio
    if size > RATIO_FLOOR and size > ratio * max(info.compress_size, 1):
        reason = f"expands {size} bytes from {info.compress_size}, more than {ratio:g} times"
        return Refused(path, reason, "ratio")
    return budget.admit(path, size)


def _link_target(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    # The target is the member's data (Info-ZIP convention), bounded like any read.
    try:
        with archive.open(info) as handle:
            target = handle.read(_MAX_LINK_TARGET)
    except _ZIP_ERRORS:
        return "?"
    return target.decode("utf-8", "replace")
