"""The install guard reads the user's project through the project-file reader (issue 17):
a FIFO or a symlink out of the project is skipped or refused at once, never read or waited on."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from depshield.guard.lockdiff import read_lock
from depshield.guard.npm import copy_project
from depshield.guard.pip import requirement_files
from depshield.guard.pip_args import parse_pip
from depshield.lockfiles.npm_lock import NpmLockParser
from depshield.project_files import ProjectFileError


@pytest.fixture(autouse=True)
def no_hang():
    """A read that blocks on a FIFO fails the test instead of hanging the suite."""
    signal.signal(signal.SIGALRM, lambda *_: pytest.fail("blocked reading a project file"))
    signal.alarm(60)
    yield
    signal.alarm(0)


def test_a_fifo_lockfile_is_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "package-lock.json")
    assert read_lock(tmp_path / "package-lock.json", NpmLockParser().parse) is None


def test_copying_a_project_refuses_a_fifo_npmrc_and_a_lockfile_symlinked_outside(
    tmp_path: Path,
) -> None:
    project, folder = tmp_path / "project", tmp_path / "copy"
    project.mkdir()
    folder.mkdir()
    (project / "package.json").write_text('{"name": "app"}\n')
    os.mkfifo(project / ".npmrc")
    copy_project(project, folder, keep_lock=False)  # skipped, not waited on
    assert not (folder / ".npmrc").exists()
    (project / ".npmrc").unlink()
    secret = tmp_path / "secret.json"
    secret.write_text('{"token": "canary"}\n')
    (project / "package-lock.json").symlink_to(secret)
    with pytest.raises(ProjectFileError, match="outside the project"):
        copy_project(project, folder, keep_lock=True)
    assert not (folder / "package-lock.json").exists()


def test_a_requirements_file_symlinked_outside_the_folder_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "elsewhere.txt").write_text("canary-token==1.0\n")
    (project / "requirements.txt").symlink_to(tmp_path / "elsewhere.txt")
    command = parse_pip(["install", "-r", "requirements.txt"])
    with pytest.raises(ProjectFileError) as refused:
        requirement_files(command, project)
    assert "requirements.txt" in refused.value.message
    assert "canary" not in refused.value.message
