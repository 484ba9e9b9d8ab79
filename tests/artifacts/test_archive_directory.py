"""Package directories: walked in place, symlinks and special files refused, .git skipped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from depshield.artifacts.archive import open_artifact
from depshield.artifacts.base import Limits, Member, Refused


@pytest.fixture
def package(tmp_path: Path) -> Path:
    root = tmp_path / "pkg"
    (root / "lib" / "deep").mkdir(parents=True)
    (root / "package.json").write_text('{"name": "demo"}')
    (root / "lib" / "a.js").write_text("a")
    (root / "lib" / "deep" / "b.js").write_text("b")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]")
    return root


def test_directory_is_walked_in_name_order_without_git(package: Path) -> None:
    assert list(open_artifact(package)) == [
        Member("package.json", 16, b'{"name": "demo"}'),
        Member("lib/a.js", 1, b"a"),
        Member("lib/deep/b.js", 1, b"b"),
    ]


def test_symlink_loop_is_refused_and_the_walk_ends(package: Path) -> None:
    (package / "lib" / "loop").symlink_to("..")
    (package / "self").symlink_to("self")
    items = list(open_artifact(package))
    assert [item for item in items if isinstance(item, Refused)] == [
        Refused("self", "symbolic link to 'self'", "link"),
        Refused("lib/loop", "symbolic link to '..'", "link"),
    ]
    assert len(items) == 5


def test_symlink_to_a_secret_is_refused_not_read(package: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("token")
    (package / "lib" / "token.txt").symlink_to(secret)
    items = list(open_artifact(package))
    assert Refused("lib/token.txt", f"symbolic link to {str(secret)!r}", "link") in items
    assert all(item.data != b"token" for item in items if isinstance(item, Member))


def test_fifo_is_refused_without_opening_it(package: Path) -> None:
    os.mkfifo(package / "lib" / "pipe")
    assert Refused("lib/pipe", "fifo", "device") in list(open_artifact(package))


def test_too_deep_directory_is_refused_and_not_entered(package: Path) -> None:
    items = list(open_artifact(package, Limits(max_depth=1)))
    assert items == [
        Member("package.json", 16, b'{"name": "demo"}'),
        Refused("lib/a.js", "2 path components, over the limit of 1", "depth"),
        Refused("lib/deep", "2 path components, over the limit of 1", "depth"),
    ]


def test_directory_file_over_the_size_limit_is_refused(package: Path) -> None:
    (package / "big.bin").write_bytes(bytes(5000))
    items = list(open_artifact(package, Limits(max_file_bytes=1000)))
    assert items[0] == Refused("big.bin", "5000 bytes, over the per-file limit of 1000", "size")
    assert len(items) == 4


def test_directory_with_too_many_entries_stops(package: Path) -> None:
    # Entries counted: lib/, package.json, then lib/a.js is one too many.
    assert list(open_artifact(package, Limits(max_members=2))) == [
        Member("package.json", 16, b'{"name": "demo"}'),
        Refused("", "more than 2 members", "count"),
    ]
