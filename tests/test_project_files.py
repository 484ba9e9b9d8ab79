"""The project-file reader: regular files inside the root only, size-capped, short excerpts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from depshield.excerpts import excerpt
from depshield.lockfiles.base import LockfileError
from depshield.project_files import ProjectFileError, read_bytes, read_text


def test_regular_file_and_inside_symlink_are_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("\ufeffx==1\n")
    (tmp_path / "b.txt").symlink_to("a.txt")
    assert read_text(tmp_path / "a.txt", root=tmp_path) == "x==1\n"
    assert read_bytes(tmp_path / "b.txt", root=tmp_path).endswith(b"x==1\n")


def test_symlink_outside_the_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (tmp_path / "secret").write_text("TOKEN\n")
    (root / "requirements.txt").symlink_to(tmp_path / "secret")
    with pytest.raises(ProjectFileError) as caught:
        read_bytes(root / "requirements.txt", root=root)
    assert "outside the project" in caught.value.message
    assert "requirements.txt" in caught.value.message and "TOKEN" not in caught.value.message
    assert isinstance(caught.value, LockfileError) and caught.value.exit_code == 2


@pytest.mark.parametrize("kind", ["fifo", "dir"])
def test_fifo_and_directory_are_refused(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "yarn.lock"
    os.mkfifo(target) if kind == "fifo" else target.mkdir()
    with pytest.raises(ProjectFileError, match="not a regular file|cannot open"):
        read_bytes(target, root=tmp_path)


def test_dev_zero_symlink_is_refused(tmp_path: Path) -> None:
    (tmp_path / "package-lock.json").symlink_to("/dev/zero")
    with pytest.raises(ProjectFileError, match="outside the project"):
        read_bytes(tmp_path / "package-lock.json", root=tmp_path)
    with pytest.raises(ProjectFileError, match="not a regular file"):
        read_bytes(Path("/dev/zero"), root=Path("/"))


def test_over_the_cap_is_refused(tmp_path: Path) -> None:
    (tmp_path / "big.lock").write_bytes(b"x" * 101)
    with pytest.raises(ProjectFileError, match="larger than the 100 byte limit"):
        read_bytes(tmp_path / "big.lock", root=tmp_path, cap=100)
    assert read_bytes(tmp_path / "big.lock", root=tmp_path, cap=101) == b"x" * 101


def test_excerpt_is_short_one_line_and_escaped() -> None:
    shown = excerpt("\x1b[31mred\x07" + "a" * 200 + "\nSECOND")
    assert "\x1b" not in shown and "\\x1b" in shown and "\\x07" in shown
    assert "SECOND" not in shown and len(shown) <= 80 + 20 and shown.endswith("...")


def test_manifests_beside_a_lockfile_go_through_the_reader(tmp_path: Path) -> None:
    """A FIFO or an outside link in the manifest's place never blocks and is never read."""
    from depshield.lockfiles.package_json import sibling_manifest, workspace_manifest
    from depshield.lockfiles.pyproject import sibling_roots

    root = tmp_path / "proj"
    (root / "ws").mkdir(parents=True)
    (tmp_path / "secret").write_text('{"dependencies": {"TOKEN": "1"}}')
    os.mkfifo(root / "package.json")  # an open() without O_NONBLOCK would hang here
    (root / "ws" / "package.json").symlink_to(tmp_path / "secret")
    (root / "pyproject.toml").symlink_to(tmp_path / "secret")
    lock = root / "package-lock.json"
    assert sibling_manifest(lock) is None
    assert workspace_manifest(lock, "ws") is None
    roots, note = sibling_roots(root / "poetry.lock")
    assert roots is None and note is not None and "TOKEN" not in note
