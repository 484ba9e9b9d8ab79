"""Reading OSV JSON documents one at a time from a zip export, a directory or a single file."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from depshield.errors import UsageError
from depshield.vulns.base import SkippedRecord

# One OSV record is a few kB; the largest real ones (many versions listed) are about 1 MB.
# Anything far bigger inside an export is refused rather than read into memory.
MAX_RECORD_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RawDocument:
    """The bytes of one JSON file, named the way messages show it (`all.zip:GHSA-x.json`)."""

    origin: str
    data: bytes


def iter_documents(path: Path) -> Iterator[RawDocument | SkippedRecord]:
    """Every `*.json` document under `path`, streamed; unreadable ones come back as skipped."""
    if path.is_dir():
        yield from _from_directory(path)
    elif path.is_file() and zipfile.is_zipfile(path):
        yield from _from_zip(path)
    elif path.is_file():
        yield _read_file(path, path.name)
    else:
        raise UsageError(
            f"cannot import {str(path)!r}: no such file or directory",
            tip="give an OSV all.zip export, a directory of OSV JSON files or one JSON file",
        )


def _from_directory(root: Path) -> Iterator[RawDocument | SkippedRecord]:
    for file in sorted(root.rglob("*.json")):
        if file.is_file():
            yield _read_file(file, file.relative_to(root).as_posix())


def _read_file(file: Path, origin: str) -> RawDocument | SkippedRecord:
    try:
        size = file.stat().st_size
        if size > MAX_RECORD_BYTES:
            return SkippedRecord(origin, f"larger than {MAX_RECORD_BYTES} bytes")
        return RawDocument(origin, file.read_bytes())
    except OSError as exc:
        return SkippedRecord(origin, f"cannot read: {exc.strerror or exc}")


def _from_zip(path: Path) -> Iterator[RawDocument | SkippedRecord]:
    """Members are read one at a time, so a large export never sits in memory whole."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UsageError(f"cannot read zip archive {str(path)!r}: {exc}") from None
    with archive:
        for info in archive.infolist():
            if info.is_dir() or not info.filename.lower().endswith(".json"):
                continue
            origin = f"{path.name}:{info.filename}"
            if info.file_size > MAX_RECORD_BYTES:
                yield SkippedRecord(origin, f"larger than {MAX_RECORD_BYTES} bytes")
                continue
            try:
                with archive.open(info) as member:
                    # The declared size can lie; never read past the limit.
                    data = member.read(MAX_RECORD_BYTES + 1)
            except (
                zipfile.BadZipFile,
                zlib.error,
                OSError,
                EOFError,
                ValueError,
                RuntimeError,
            ) as exc:
                yield SkippedRecord(origin, f"corrupt zip member: {exc}")
                continue
            if len(data) > MAX_RECORD_BYTES:
                yield SkippedRecord(origin, f"larger than {MAX_RECORD_BYTES} bytes")
                continue
            yield RawDocument(origin, data)
