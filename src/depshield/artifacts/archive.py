"""Open a package artifact (tgz, sdist, wheel, zip or directory) as a stream of its members."""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Iterator
from pathlib import Path

from depshield.artifacts.base import Limits, Member, Refused
from depshield.artifacts.directory import read_directory
from depshield.artifacts.guard import Stop
from depshield.artifacts.streams import MAGIC
from depshield.errors import ArchiveError

_KINDS_TIP = (
    "depshield reads .tgz, .tar.gz, .tar.bz2, .tar.xz, .tar, .zip and .whl files "
    "and package directories"
)
_CORRUPT_TIP = "the file may be truncated or damaged; fetch it again"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_TAR_BLOCK = 512  # tarfile.BLOCKSIZE: tarfile and zipfile are imported only for their kind


def open_artifact(path: Path, limits: Limits = Limits()) -> Iterator[Member | Refused]:  # noqa: B008 (frozen)
    """The members of the artifact at `path`, read in place and never extracted.

    Yields a Member for each regular file read and a Refused for each entry that was not
    (links, devices, bad paths, limits). An archive-wide limit or corruption ends the stream
    with one last Refused whose path is "". Raises ArchiveError, here or while iterating,
    when nothing at all can be read.
    """
    return _guarded(path, _reader(path, limits))


def artifact_digest(path: Path) -> str:
    """The artifact's SHA-256 as "sha256-<hex>", read in chunks."""
    if _is_directory(path):
        raise ArchiveError(f"cannot digest {str(path)!r}: it is a directory")
    try:
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256")
    except OSError as exc:
        raise ArchiveError(f"cannot read {str(path)!r}: {_why(exc)}") from None
    return f"sha256-{digest.hexdigest()}"


def _guarded(path: Path, members: Iterator[Member | Refused]) -> Iterator[Member | Refused]:
    seen = 0
    try:
        for item in members:
            seen += 1
            yield item
    except Stop as stop:
        if stop.refused.kind == "corrupt" and not seen:
            message = f"cannot read {str(path)!r}: {stop.refused.reason}"
            raise ArchiveError(message, tip=_CORRUPT_TIP) from None
        yield stop.refused


def _reader(path: Path, limits: Limits) -> Iterator[Member | Refused]:
    if _is_directory(path):
        return read_directory(path, limits)
    try:
        with path.open("rb") as handle:
            head = handle.read(_TAR_BLOCK)
    except OSError as exc:
        raise ArchiveError(f"cannot read {str(path)!r}: {_why(exc)}") from None
    if not head:
        raise ArchiveError(f"cannot read {str(path)!r}: empty file", tip=_KINDS_TIP)
    kind = _sniff(path, head)
    if kind is None:
        message = f"cannot read {str(path)!r}: not a gzip, tar or zip archive"
        raise ArchiveError(message, tip=_KINDS_TIP)
    if kind == "zip":
        from depshield.artifacts.zip import read_zip

        return read_zip(path, limits)
    from depshield.artifacts.tar import read_tar

    return read_tar(path, kind, limits)


def _is_directory(path: Path) -> bool:
    """True for a directory, False for a regular file; ArchiveError for anything else."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise ArchiveError(f"cannot read {str(path)!r}: {_why(exc)}") from None
    if stat.S_ISDIR(mode):
        return True
    if not stat.S_ISREG(mode):
        raise ArchiveError(f"cannot read {str(path)!r}: not a regular file", tip=_KINDS_TIP)
    return False


def _sniff(path: Path, head: bytes) -> str | None:
    """The artifact's kind from its first bytes, whatever its name says."""
    for codec, magic in MAGIC.items():
        if head.startswith(magic):
            return codec
    if head.startswith(_ZIP_MAGIC):
        return "zip"
    import tarfile
    import zipfile

    if zipfile.is_zipfile(path):  # also finds archives behind a prefix, as pip would
        return "zip"
    try:
        tarfile.TarInfo.frombuf(head, "utf-8", "surrogateescape")
    except tarfile.TarError:
        return None
    return "tar"


def _why(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()
