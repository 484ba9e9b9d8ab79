"""Hostile archives: each case yields its exact refusal and the reading stays bounded."""

from __future__ import annotations

import os
import re
import tarfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from depshield.artifacts.archive import open_artifact
from depshield.artifacts.base import Limits, Member, Refused
from depshield.errors import ArchiveError

if TYPE_CHECKING:
    from conftest import Builder, TarEntry

MiB = 1 << 20
PKG = ("package/index.js", b"module.exports = 1\n")


def refused(item: Member | Refused) -> Refused:
    assert isinstance(item, Refused), item
    return item


def refusals(path: Path, limits: Limits = Limits()) -> list[Refused]:  # noqa: B008 (frozen)
    return [item for item in open_artifact(path, limits) if isinstance(item, Refused)]


def paths(path: Path, limits: Limits = Limits()) -> list[str]:  # noqa: B008 (frozen)
    return [item.path for item in open_artifact(path, limits) if isinstance(item, Member)]


@pytest.mark.parametrize(
    "name",
    ["package/../../etc/passwd", "../../etc/passwd", "package/a/../../../x", "..\\..\\evil.js"],
)
def test_dot_dot_path_is_refused(build: Builder, name: str) -> None:
    path = build.tar("t.tgz", [PKG, (name, b"root:x:0:0")])
    expected = name.replace("\\", "/")
    assert refusals(path) == [Refused(expected, "path climbs out of the package with '..'", "path")]
    assert paths(path) == ["index.js"]


@pytest.mark.parametrize("name", ["/etc/passwd", "C:/Windows/evil.dll", "c:evil.js"])
def test_absolute_path_is_refused(build: Builder, name: str) -> None:
    path = build.tar("t.tgz", [PKG, (name, b"x")])
    assert refusals(path) == [Refused(name, "absolute path", "path")]


def test_dot_dot_in_a_zip_is_refused(build: Builder) -> None:
    path = build.zip("t.whl", [("demo/__init__.py", b""), ("../../.bashrc", b"evil")])
    assert refusals(path) == [
        Refused("../../.bashrc", "path climbs out of the package with '..'", "path")
    ]


def test_too_deep_path_is_refused(build: Builder) -> None:
    deep = "package/" + "d/" * 40 + "x.js"
    path = build.tar("t.tgz", [PKG, (deep, b"x")])
    expected = "d/" * 40 + "x.js"
    assert refusals(path) == [
        Refused(expected, "41 path components, over the limit of 32", "depth")
    ]


def test_symlink_and_hardlink_are_refused_naming_their_target(build: Builder) -> None:
    entries: list[TarEntry] = [
        PKG,
        build.special("package/creds", tarfile.SYMTYPE, "/home/user/.npmrc"),
        build.special("package/copy.js", tarfile.LNKTYPE, "package/index.js"),
    ]
    assert refusals(build.tar("t.tgz", entries)) == [
        Refused("creds", "symbolic link to '/home/user/.npmrc'", "link"),
        Refused("copy.js", "hard link to 'package/index.js'", "link"),
    ]


def test_zip_symlink_is_refused_naming_its_target(build: Builder) -> None:
    link = zipfile.ZipInfo("demo/key")
    link.external_attr = 0o120777 << 16
    path = build.zip("t.whl", [("demo/__init__.py", b""), (link, b"/root/.ssh/id_rsa")])
    assert refusals(path) == [Refused("demo/key", "symbolic link to '/root/.ssh/id_rsa'", "link")]


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        (tarfile.CHRTYPE, "character device"),
        (tarfile.BLKTYPE, "block device"),
        (tarfile.FIFOTYPE, "fifo"),
    ],
)
def test_device_and_fifo_are_refused(build: Builder, kind: bytes, reason: str) -> None:
    path = build.tar("t.tgz", [PKG, build.special("package/dev", kind)])
    assert refusals(path) == [Refused("dev", reason, "device")]


def test_zip_fifo_is_refused(build: Builder) -> None:
    fifo = zipfile.ZipInfo("demo/pipe")
    fifo.external_attr = 0o010644 << 16
    path = build.zip("t.whl", [("demo/__init__.py", b""), (fifo, b"")])
    assert refusals(path) == [Refused("demo/pipe", "fifo", "device")]


def test_tar_with_too_many_members_stops_after_the_limit(build: Builder) -> None:
    path = build.tar("many.tgz", ((f"package/f{i}.js", b"") for i in range(10_001)))
    items = list(open_artifact(path, Limits(max_members=100)))
    assert len(items) == 101
    assert all(isinstance(item, Member) for item in items[:100])
    assert items[-1] == Refused("", "more than 100 members", "count")


def test_zip_with_too_many_members_stops_after_the_limit(build: Builder) -> None:
    path = build.zip("many.zip", ((f"demo-1.0/f{i}.py", b"") for i in range(10_001)))
    items = list(open_artifact(path, Limits(max_members=100)))
    assert [item.path for item in items[:3]] == ["f0.py", "f1.py", "f2.py"]
    assert items[100:] == [Refused("", "more than 100 members", "count")]


def test_zip_central_directory_too_big_for_the_limit_is_refused_unread(build: Builder) -> None:
    # 20 entries with 64 KiB comments: a central directory too big to be 10 members' worth.
    def entry(i: int) -> tuple[zipfile.ZipInfo, bytes]:
        info = zipfile.ZipInfo(f"f{i}.py")
        info.comment = b"c" * 65_000
        return info, b""

    path = build.zip("fat.zip", (entry(i) for i in range(20)))
    item = refused(*open_artifact(path, Limits(max_members=10)))
    assert item.kind == "count" and item.path == ""
    assert re.fullmatch(r"central directory of \d+ bytes, too big for 10 members", item.reason)


def test_file_over_the_size_limit_is_refused_and_the_rest_is_read(build: Builder) -> None:
    path = build.tar("t.tgz", [("package/big.js", os.urandom(2 * MiB)), PKG])
    limits = Limits(max_file_bytes=MiB)
    assert refusals(path, limits) == [
        Refused("big.js", f"{2 * MiB} bytes, over the per-file limit of {MiB}", "size")
    ]
    assert paths(path, limits) == ["index.js"]


def test_zip_file_over_the_size_limit_is_refused(build: Builder) -> None:
    path = build.zip("t.whl", [("demo/big.so", os.urandom(2 * MiB)), ("demo/a.py", b"")])
    limits = Limits(max_file_bytes=MiB)
    assert refusals(path, limits) == [
        Refused("demo/big.so", f"{2 * MiB} bytes, over the per-file limit of {MiB}", "size")
    ]


def test_total_size_over_the_limit_stops(build: Builder) -> None:
    path = build.tar("t.tgz", [(f"package/{i}.bin", os.urandom(400_000)) for i in range(4)])
    items = list(open_artifact(path, Limits(max_total_bytes=MiB)))
    assert [item.path for item in items] == ["0.bin", "1.bin", ""]
    assert items[-1] == Refused("", f"more than {MiB} uncompressed bytes in all", "size")


def test_gzip_bomb_member_is_refused_and_the_stream_stops_on_ratio(build: Builder) -> None:
    path = build.gzip_bomb("bomb.tgz", "package/zeros.bin", 2 << 30)
    items = list(open_artifact(path))
    assert items == [
        Refused("zeros.bin", f"{2 << 30} bytes, over the per-file limit of {16 * MiB}", "size"),
        Refused("", "gzip stream expands more than 200 times after 1 member", "ratio"),
    ]


def test_gzip_bomb_within_the_file_limit_stops_on_ratio(build: Builder) -> None:
    path = build.gzip_bomb("bomb.tgz", "zeros.bin", 8 * MiB)
    assert list(open_artifact(path)) == [
        Refused("", "gzip stream expands more than 200 times after 1 member", "ratio")
    ]


def test_gzip_of_zeros_is_an_empty_tar_read_no_further(build: Builder) -> None:
    # A block of zeros ends a tar, so the gigabytes of them behind it are never expanded.
    path = build.gzip_bomb("zeros.tgz", None, 4 << 30)
    assert list(open_artifact(path)) == []


def test_zip_bomb_member_is_refused_on_its_ratio(build: Builder) -> None:
    path = build.zip("bomb.whl", [("demo/__init__.py", b""), ("demo/zeros.bin", bytes(8 * MiB))])
    (bomb,) = refusals(path)
    assert bomb.kind == "ratio" and bomb.path == "demo/zeros.bin"
    assert re.fullmatch(rf"expands {8 * MiB} bytes from \d+, more than 200 times", bomb.reason)


def test_zip_member_understating_its_size_is_corrupt_not_bigger(build: Builder) -> None:
    data = bytearray(build.zip("x.zip", [("demo-1.0/a.py", bytes(100_000))]).read_bytes())
    # Declare 1000 uncompressed bytes in the local header (offset 22) and central directory.
    data[22:26] = (1000).to_bytes(4, "little")
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = (1000).to_bytes(4, "little")
    items = list(open_artifact(build.raw("lie.zip", bytes(data))))
    assert len(items) == 1
    assert refused(items[0]).kind == "corrupt" and items[0].path == "a.py"


def test_oversized_pax_header_stops_before_it_is_read(build: Builder) -> None:
    info = tarfile.TarInfo("package/a.js")
    info.pax_headers = {"comment": "x" * (2 * MiB)}
    path = build.root / "pax.tar"
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as archive:
        archive.addfile(info)
    item = refused(*open_artifact(path))
    assert item.kind == "size" and item.path == ""
    assert re.fullmatch(r"extended header of \d+ bytes after 0 members", item.reason)


def test_truncated_tgz_yields_what_it_could_then_corrupt(build: Builder) -> None:
    entries = [(f"package/f{i}.bin", os.urandom(20_000)) for i in range(12)]
    data = build.tar("full.tgz", entries).read_bytes()
    items = list(open_artifact(build.raw("cut.tgz", data[: len(data) // 2])))
    read = [item for item in items if isinstance(item, Member)]
    assert 3 <= len(read) < 12
    assert [item.path for item in read] == [f"f{i}.bin" for i in range(len(read))]
    last = refused(items[-1])
    assert last.path == "" and last.kind == "corrupt"
    assert re.fullmatch(r"truncated gzip stream after \d+ members", last.reason)


def test_tgz_truncated_before_any_member_raises(build: Builder) -> None:
    data = build.tar("full.tgz", [("package/a.bin", os.urandom(5000))]).read_bytes()
    path = build.raw("cut.tgz", data[:30])
    with pytest.raises(ArchiveError) as caught:
        list(open_artifact(path))
    assert caught.value.message == (
        f"cannot read {str(path)!r}: truncated gzip stream after 0 members"
    )


def test_tar_header_declaring_more_data_than_the_stream_holds_ends(build: Builder) -> None:
    info = tarfile.TarInfo("package/huge.bin")
    info.size = 1 << 80  # base-256 size: tarfile would skip 2**80 bytes one block at a time
    path = build.tar("huge.tgz", [PKG, info])
    items = list(open_artifact(path))
    assert items[0] == Member("index.js", 19, PKG[1])
    assert refused(items[1]).kind == "size" and refused(items[-1]).kind == "corrupt"
