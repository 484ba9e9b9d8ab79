"""A bad DEPSHIELD_HOME is one clear line and exit 2, never an internal error (issue 12)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.registry_server import isolate_env

from depshield.cli.main import main


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate_env(monkeypatch, tmp_path)
    monkeypatch.setattr("depshield.home._CHECKED", set())
    root = tmp_path / "p"
    root.mkdir()
    (root / "requirements.txt").write_text("flask==2.0.0\n")
    return root


def _run(project: Path, home: str, monkeypatch, capsys) -> tuple[int, str, str]:
    monkeypatch.setenv("DEPSHIELD_HOME", home)
    code = main(["scan", str(project), "--offline"])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_file_as_home(project, tmp_path, monkeypatch, capsys) -> None:
    home = tmp_path / "a-file"
    home.write_text("")
    code, out, err = _run(project, str(home), monkeypatch, capsys)
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"depshield: error: DEPSHIELD_HOME {str(home)!r} is not a directory",
        "Tip: set DEPSHIELD_HOME to a directory you can write, or unset it to use the default",
    ]


@pytest.mark.parametrize("below", ["a-file/home", "proc"])
def test_a_home_that_cannot_be_created(project, tmp_path, monkeypatch, capsys, below) -> None:
    if below == "proc":
        home = "/proc/depshield-test/home"  # procfs: no directory can be made there, even by root
    else:
        (tmp_path / "a-file").write_text("")
        home = str(tmp_path / below)
    code, out, err = _run(project, home, monkeypatch, capsys)
    assert code == 2 and out == ""
    first, tip = err.splitlines()
    assert first.startswith(f"depshield: error: DEPSHIELD_HOME {home!r} cannot be created: ")
    assert tip.startswith("Tip: set DEPSHIELD_HOME")
    assert "internal error" not in err


def test_an_unwritable_home(project, tmp_path, monkeypatch, capsys) -> None:
    home = tmp_path / "ro"
    home.mkdir()
    home.chmod(0o555)
    if os.access(home, os.W_OK):  # root writes anywhere: make the check see what a user sees
        real = os.access
        monkeypatch.setattr(
            "depshield.home.os.access", lambda p, m: False if Path(p) == home else real(p, m)
        )
    code, _, err = _run(project, str(home), monkeypatch, capsys)
    assert code == 2
    assert err.splitlines()[0] == f"depshield: error: DEPSHIELD_HOME {str(home)!r} is not writable"


def test_a_missing_home_under_a_writable_folder_is_made(project, tmp_path, monkeypatch, capsys):
    home = tmp_path / "new" / "nested" / "home"
    code, _, err = _run(project, str(home), monkeypatch, capsys)
    assert code == 6  # offline, empty cache: not analysed, but no home error
    assert home.is_dir() and "DEPSHIELD_HOME" not in err
