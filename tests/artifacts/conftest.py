"""Hostile and benign archives built in tmp_path, so no binary fixture is committed."""

from __future__ import annotations

import io
import tarfile
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import pytest

TarEntry = tarfile.TarInfo | tuple[str, bytes]
ZipEntry = tuple[str | zipfile.ZipInfo, bytes]
TarMode = Literal["w:gz", "w:", "w:bz2", "w:xz"]


class Builder:
    """Writes archives into one directory; every method returns the file it wrote."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def special(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
        """A tar entry with no data: a link, a device, a fifo or a directory."""
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = linkname
        return info

    def raw(self, name: str, data: bytes) -> Path:
        path = self.root / name
        path.write_bytes(data)
        return path

    def tar(self, name: str, entries: Iterable[TarEntry], mode: TarMode = "w:gz") -> Path:
        path = self.root / name
        with tarfile.open(path, mode, format=tarfile.GNU_FORMAT) as archive:
            for entry in entries:
                if isinstance(entry, tarfile.TarInfo):
                    archive.addfile(entry)
                else:
                    info = tarfile.TarInfo(entry[0])
                    info.size = len(entry[1])
                    archive.addfile(info, io.BytesIO(entry[1]))
        return path

    def zip(
        self, name: str, entries: Iterable[ZipEntry], compression: int = zipfile.ZIP_DEFLATED
    ) -> Path:
        path = self.root / name
        with zipfile.ZipFile(path, "w", compression) as archive:
            for member, data in entries:
                archive.writestr(member, data)
        return path

    def gzip_bomb(self, name: str, member: str | None, size: int) -> Path:
        """A .tgz whose one member declares `size` bytes of zeros, written in milliseconds.

        With `member` None there is no tar header: a gzip of zeros only. After a full flush
        deflate restarts with an empty history, so the compressed form of 1 MiB of zeros can
        be repeated as is; the file is ~1/1000 of `size`.
        """
        deflate = zlib.compressobj(9, zlib.DEFLATED, 31)
        head = b""
        if member is not None:
            info = tarfile.TarInfo(member)
            info.size = size
            head = deflate.compress(info.tobuf(format=tarfile.GNU_FORMAT))
        head += deflate.flush(zlib.Z_FULL_FLUSH)
        unit = deflate.compress(bytes(1 << 20)) + deflate.flush(zlib.Z_FULL_FLUSH)
        path = self.root / name
        with path.open("wb") as out:
            out.write(head)
            for _ in range(size >> 20):
                out.write(unit)
            out.write(deflate.flush())
        return path


@pytest.fixture
def build(tmp_path: Path) -> Builder:
    return Builder(tmp_path)
