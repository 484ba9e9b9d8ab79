"""Fuzz target: random and mutated artifacts end, and raise nothing but ArchiveError."""

from __future__ import annotations

import gzip
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depshield.artifacts.archive import open_artifact
from depshield.artifacts.base import Limits, Member, Refused
from depshield.errors import ArchiveError

if TYPE_CHECKING:
    from conftest import Builder, TarMode, ZipEntry

SMALL = Limits(
    max_members=50, max_total_bytes=1 << 20, max_file_bytes=1 << 18, max_ratio=50, max_depth=8
)
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
MAGICS = [b"", b"\x1f\x8b\x08", b"BZh9", b"\xfd7zXZ\x00", b"PK\x03\x04", b"PK\x05\x06"]


def seed_entries(build: Builder) -> list[tarfile.TarInfo | tuple[str, bytes]]:
    long_name = "package/" + "n" * 120 + ".js"
    return [
        build.special("package", tarfile.DIRTYPE),
        ("package/package.json", b'{"name": "demo", "scripts": {"postinstall": "node x"}}'),
        ("package/lib/index.js", b"module.exports = require('./x');\n" * 40),
        (long_name, b"long name"),
        build.special("package/link", tarfile.SYMTYPE, "../../etc/passwd"),
    ]


@pytest.fixture
def seeds(build: Builder) -> list[bytes]:
    entries = seed_entries(build)
    modes: list[TarMode] = ["w:", "w:gz", "w:bz2", "w:xz"]
    archives = [build.tar(f"s{i}", entries, mode) for i, mode in enumerate(modes)]
    link = zipfile.ZipInfo("demo/link")
    link.external_attr = 0o120777 << 16
    zip_entries: list[ZipEntry] = [
        ("demo/__init__.py", b"import os\n" * 50),
        (link, b"/etc/passwd"),
    ]
    archives.append(build.zip("s.whl", zip_entries))
    return [path.read_bytes() for path in archives]


def read_all(path: Path) -> Iterator[Member | Refused]:
    try:
        yield from open_artifact(path, SMALL)
    except ArchiveError as exc:
        assert exc.message.startswith("cannot read ")


def check(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    for item in read_all(path):
        assert isinstance(item, Member | Refused)
        if isinstance(item, Member):
            assert len(item.data) == item.size <= SMALL.max_file_bytes
            assert not item.path.startswith("/") and ".." not in item.path.split("/")


@FUZZ
@given(magic=st.sampled_from(MAGICS), body=st.binary(max_size=4096))
def test_random_bytes(build: Builder, magic: bytes, body: bytes) -> None:
    check(build.root / "random.bin", magic + body)


@FUZZ
@given(data=st.data())
def test_mutated_archives(build: Builder, seeds: list[bytes], data: st.DataObject) -> None:
    blob = bytearray(data.draw(st.sampled_from(seeds)))
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(blob) - 1), st.integers(0, 255))))
    for at, value in flips:
        blob[at] = value
    cut = data.draw(st.integers(0, len(blob)))
    mutated = bytes(blob[:cut] if data.draw(st.booleans()) else blob)
    # Compressing after mutating reaches tarfile's header parsing, not just the codec's checks.
    if data.draw(st.booleans()):
        mutated = gzip.compress(mutated)
    check(build.root / "mutated.bin", mutated)
