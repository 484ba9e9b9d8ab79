"""Benign artifacts: kinds by content, the package prefix, the digest, unreadable inputs."""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from depshield.artifacts.archive import artifact_digest, open_artifact
from depshield.artifacts.base import Member
from depshield.errors import ArchiveError

if TYPE_CHECKING:
    from conftest import Builder, TarEntry, TarMode

NPM = [("package/package.json", b'{"name": "demo"}'), ("package/lib/index.js", b"exports.a = 1\n")]


def members(path: Path) -> dict[str, bytes]:
    items = list(open_artifact(path))
    assert all(isinstance(item, Member) for item in items), items
    return {item.path: item.data for item in items if isinstance(item, Member)}


def test_npm_tarball_loses_its_package_prefix(build: Builder) -> None:
    path = build.tar("demo-1.0.0.tgz", NPM)
    assert members(path) == {
        "package.json": b'{"name": "demo"}',
        "lib/index.js": b"exports.a = 1\n",
    }


def test_npm_tarball_with_another_top_directory_loses_it_too(build: Builder) -> None:
    path = build.tar("fetch.tgz", [("node-fetch/package.json", b"{}"), ("node-fetch/a.js", b"")])
    assert set(members(path)) == {"package.json", "a.js"}


def test_sdist_loses_its_name_version_prefix(build: Builder) -> None:
    entries: list[TarEntry] = [
        build.special("demo-1.0", b"5"),
        ("demo-1.0/setup.py", b"from setuptools import setup\n"),
        ("demo-1.0/demo/__init__.py", b""),
    ]
    path = build.tar("demo-1.0.tar.gz", entries)
    assert set(members(path)) == {"setup.py", "demo/__init__.py"}


def test_member_outside_the_first_top_directory_keeps_its_full_path(build: Builder) -> None:
    path = build.tar("odd.tgz", [*NPM, ("other/evil.js", b"x"), ("top.js", b"y")])
    assert set(members(path)) == {"package.json", "lib/index.js", "other/evil.js", "top.js"}


def test_tarball_of_top_level_files_keeps_paths(build: Builder) -> None:
    path = build.tar("flat.tgz", [("./setup.py", b""), ("./demo/x.py", b"")])
    assert set(members(path)) == {"setup.py", "demo/x.py"}


@pytest.mark.parametrize("mode", ["w:", "w:bz2", "w:xz"])
def test_plain_bzip2_and_xz_tarballs_are_read(build: Builder, mode: TarMode) -> None:
    path = build.tar("demo.tar", NPM, mode)
    assert set(members(path)) == {"package.json", "lib/index.js"}


def test_wheel_keeps_its_paths(build: Builder) -> None:
    entries = [
        ("demo/__init__.py", b"x = 1\n"),
        ("demo-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0"),
    ]
    path = build.zip("demo-1.0-py3-none-any.whl", entries)
    assert members(path) == dict(entries)


def test_wheel_with_one_top_directory_is_not_stripped(build: Builder) -> None:
    path = build.zip("demo-1.0-py3-none-any.whl", [("demo/__init__.py", b"")])
    assert set(members(path)) == {"demo/__init__.py"}


def test_zip_sdist_loses_its_prefix(build: Builder) -> None:
    path = build.zip("demo-1.0.zip", [("demo-1.0/", b""), ("demo-1.0/setup.py", b"s")])
    assert members(path) == {"setup.py": b"s"}


def test_kind_comes_from_content_not_name(build: Builder) -> None:
    tar_named_zip = build.tar("really-a-tar.zip", NPM)
    zip_named_tgz = build.zip("really-a-zip.tgz", [("package/a.js", b"a")])
    assert set(members(tar_named_zip)) == {"package.json", "lib/index.js"}
    assert members(zip_named_tgz) == {"a.js": b"a"}


def test_zip_behind_a_prefix_is_found(build: Builder) -> None:
    inner = build.zip("inner.zip", [("demo-1.0/setup.py", b"s")]).read_bytes()
    path = build.raw("sfx.zip", b"#!/bin/sh\nexit 0\n" + inner)
    assert members(path) == {"setup.py": b"s"}


def test_concatenated_gzip_members_are_one_stream(build: Builder) -> None:
    # A one-member tar without its end-of-archive blocks is its header plus one data block.
    head = build.tar("a.tar", [("package/a.js", b"a")], "w:").read_bytes()[:1024]
    tail = build.tar("b.tar", [("package/b.js", b"b")], "w:").read_bytes()
    path = build.raw("two.tgz", gzip.compress(head) + gzip.compress(tail))
    assert members(path) == {"a.js": b"a", "b.js": b"b"}


def test_member_data_and_size_match(build: Builder) -> None:
    data = os.urandom(70_000)
    (item,) = open_artifact(build.tar("r.tgz", [("package/blob.bin", data)]))
    assert item == Member("blob.bin", len(data), data)


def test_empty_tar_yields_nothing(build: Builder) -> None:
    assert list(open_artifact(build.tar("empty.tgz", []))) == []


def test_not_an_archive_raises(build: Builder) -> None:
    path = build.raw("notes.tgz", b"just some text, not an archive at all\n" * 20)
    with pytest.raises(ArchiveError) as caught:
        open_artifact(path)
    assert caught.value.message == f"cannot read {str(path)!r}: not a gzip, tar or zip archive"
    assert caught.value.tip is not None


def test_empty_file_raises(build: Builder) -> None:
    path = build.raw("empty.whl", b"")
    with pytest.raises(ArchiveError, match="empty file$"):
        open_artifact(path)


def test_missing_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "missing.tgz"
    with pytest.raises(ArchiveError) as caught:
        open_artifact(path)
    assert caught.value.message == f"cannot read {str(path)!r}: no such file or directory"


def test_fifo_given_as_the_artifact_raises_without_blocking(tmp_path: Path) -> None:
    path = tmp_path / "pipe.tgz"
    os.mkfifo(path)
    with pytest.raises(ArchiveError, match="not a regular file$"):
        open_artifact(path)


def test_zip_with_bad_central_directory_raises(build: Builder) -> None:
    data = build.zip("a.zip", [("a.py", b"a")]).read_bytes()
    path = build.raw("bad.zip", data.replace(b"PK\x01\x02", b"PK\x09\x09"))
    with pytest.raises(ArchiveError, match="corrupt zip central directory"):
        list(open_artifact(path))


def test_digest_is_sha256_of_the_bytes(build: Builder) -> None:
    path = build.tar("demo.tgz", NPM)
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    assert artifact_digest(path) == f"sha256-{expected}"


def test_digest_of_a_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="it is a directory$"):
        artifact_digest(tmp_path)
