"""Tar members (npm tarballs, sdists; plain, gzip, bzip2 or xz) streamed in place."""

from __future__ import annotations

import tarfile
from collections.abc import Iterator
from pathlib import Path

from depshield.artifacts.base import Limits, Member, Refused
from depshield.artifacts.guard import Budget, Stop, after, first_top, member_path, split_path
from depshield.artifacts.streams import CHUNK, GuardedStream, StreamFault

# tarfile reads a pax or GNU long-name header whole into memory before looking at it; real ones
# hold a few hundred bytes.
_MAX_EXTENDED_HEADER = 1 << 20
_EXTENDED_TYPES = frozenset(
    {
        tarfile.GNUTYPE_LONGNAME,
        tarfile.GNUTYPE_LONGLINK,
        tarfile.XHDTYPE,
        tarfile.XGLTYPE,
        tarfile.SOLARIS_XHDTYPE,
    }
)
_DEVICES = {
    tarfile.CHRTYPE: "character device",
    tarfile.BLKTYPE: "block device",
    tarfile.FIFOTYPE: "fifo",
}


class _BoundedInfo(tarfile.TarInfo):
    """A TarInfo that refuses oversized extended headers before tarfile reads them."""

    @classmethod
    def frombuf(cls, buf: bytes | bytearray, encoding: str, errors: str) -> _BoundedInfo:
        info = super().frombuf(buf, encoding, errors)
        if info.type in _EXTENDED_TYPES and info.size > _MAX_EXTENDED_HEADER:
            raise StreamFault("size", f"extended header of {info.size} bytes")
        return info


def read_tar(path: Path, codec: str, limits: Limits) -> Iterator[Member | Refused]:
    """Stream the members of the tar file at `path` compressed with `codec` ("tar": none)."""
    budget = Budget(limits)
    with path.open("rb") as raw:
        stream = GuardedStream(raw, codec, limits)
        try:
            with tarfile.open(
                fileobj=stream,
                mode="r|",
                tarinfo=_BoundedInfo,
                bufsize=CHUNK,
                encoding="utf-8",
                errors="surrogateescape",
            ) as archive:
                yield from _entries(archive, budget)
        except StreamFault as fault:
            reason = f"{fault.reason} {after(budget.entries)}"
            raise Stop(Refused("", reason, fault.kind)) from None
        except (tarfile.TarError, EOFError) as exc:
            reason = f"corrupt tar data {after(budget.entries)} ({exc})"
            raise Stop(Refused("", reason, "corrupt")) from None


def _entries(archive: tarfile.TarFile, budget: Budget) -> Iterator[Member | Refused]:
    top: str | None = None
    decided = False
    for info in archive:
        budget.enter()
        parts = split_path(info.name)
        if isinstance(parts, Refused):
            yield parts
            continue
        if not decided and parts:
            # A stream cannot look ahead: the first entry names the prefix (npm: "package/",
            # sdists: "name-1.0/"); a later member outside it keeps its full path.
            top, decided = first_top(parts, info.isdir()), True
        if info.isdir():
            continue
        path = member_path(parts, top, budget.limits)
        item = path if isinstance(path, Refused) else _entry(archive, info, path, budget)
        if item is not None:
            yield item


def _entry(
    archive: tarfile.TarFile, info: tarfile.TarInfo, path: str, budget: Budget
) -> Member | Refused | None:
    if info.issym():
        return Refused(path, f"symbolic link to {info.linkname!r}", "link")
    if info.islnk():
        return Refused(path, f"hard link to {info.linkname!r}", "link")
    if info.type in _DEVICES:
        return Refused(path, _DEVICES[info.type], "device")
    # Unknown entry types are regular files to tarfile and to pip's sdist unpacking, so they
    # are read, not skipped. Data not read here is skipped by tarfile reading through it.
    refused = budget.admit(path, info.size)
    if refused is not None:
        return refused
    handle = archive.extractfile(info)
    data = handle.read(info.size) if handle is not None else b""
    budget.charge(len(data))
    return Member(path, len(data), data)
