"""Conventions users bring from other tools: `python -m depshield`, "did you mean" for a
misspelled command, a LICENSE matching pyproject's licence."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from depshield.cli.main import run_here

ROOT = Path(__file__).resolve().parents[2]


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "depshield", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("depshield ")


def test_misspelled_command_suggests_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_here(["scna", "."]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == ["depshield: error: unknown command 'scna'", "Tip: did you mean 'scan'?"]


def test_unrelated_word_points_at_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_here(["zzzzqqq"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'zzzzqqq'" in err
    assert "Tip: run 'depshield --help'" in err
    assert "Traceback" not in err


def test_license_file_matches_pyproject() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


SERVER_DISTS = ("starlette", "uvicorn", "uvloop", "httptools", "pyjwt")


def _names(requirements: list[str]) -> set[str]:
    return {
        r.split(";")[0].split("[")[0].split(">")[0].split("=")[0].strip().lower()
        for r in requirements
    }


def test_server_dependencies_sit_behind_the_server_extra() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not _names(meta["dependencies"]) & set(SERVER_DISTS)
    assert _names(meta["optional-dependencies"]["server"]) >= set(SERVER_DISTS)
    # the test suite exercises the server: the dev install must bring the extra along
    assert "depshield[server]" in meta["optional-dependencies"]["dev"]
    assert "'.[dev,server]'" in (ROOT / "Makefile").read_text()


def test_serve_without_the_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    absent = {"uvicorn", "jwt"}
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name in absent else real(name, *a)
    )
    assert run_here(["serve", "--port", "1"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "depshield: error: 'depshield serve' needs uvicorn, PyJWT, which are not installed",
        "Tip: install depshield[server] (pip install 'depshield[server]')",
    ]


def test_pre_commit_hook_definition_runs_depshield_scan_on_lockfile_changes() -> None:
    import re

    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "depshield"
    assert hook["entry"] == "depshield scan"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    for changed in ("package-lock.json", "web/yarn.lock", "requirements-dev.txt", "uv.lock"):
        assert files.search(changed), changed
    for unrelated in ("src/app.js", "README.md", "my-package-lock.json.bak"):
        assert not files.search(unrelated), unrelated


def test_readme_diff_example_runs_on_the_examples_fixtures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (ROOT / "README.md").read_text()
    line = next(x for x in readme.splitlines() if "depshield diff " in x)
    old, new = line.split("#")[0].split()[2:4]
    monkeypatch.setenv("DEPSHIELD_HOME", str(tmp_path))
    monkeypatch.chdir(ROOT)
    assert run_here(["diff", old, new, "--offline"]) == 1
    out = capsys.readouterr().out
    assert "verdict: pass -> block" in out
    assert "dataExfiltration (critical, error) ctx/__init__.py:15" in out


def test_dockerfile_installs_the_cli_the_readme_way() -> None:
    # No image registry is reachable here, so the image is never built in CI: check its shape.
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    steps = [x for x in lines if x and not x.startswith("#")]
    assert steps[0].startswith("FROM python:3.1")
    assert any("python -m venv" in x for x in steps)
    assert any("pip install" in x and "/src" in x and "[dev" not in x for x in steps)
    assert 'ENTRYPOINT ["depshield"]' in steps
    assert ".venv" in (ROOT / ".dockerignore").read_text().split()
