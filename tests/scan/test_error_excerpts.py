"""Issue 17: a parse error quotes at most a short, escaped excerpt of what it met, never the rest
of the line or file, in every format of `scan` and `pr` (the pull-request comment included).

Each project file below is broken so that its parser's message would quote attacker text (a
YAML tag, a lockfile key, a requirement line): a token placed past the excerpt's reach must
appear in no output, while the file is still named and the exit code is 2."""

from __future__ import annotations

import json
import secrets
import subprocess
from pathlib import Path

import pytest

from depshield.cli.main import main

PAD = "x" * 300  # past the 200 characters a parse error's problem may quote


def broken(token: str) -> dict[str, str]:
    far = PAD + token
    return {
        "pnpm-lock.yaml": f"lockfileVersion: '9.0'\npackages:\n  a: !{far} x\n",
        "package-lock.json": json.dumps({"lockfileVersion": 3, "packages": {far: 5}}),
        "requirements.txt": f"{far} @@@ ===\n",
        "Pipfile.lock": json.dumps({"default": {far: 5}}),
        "poetry.lock": f'[[package]]\nname = "a"\nversion = {far}\n',
        "yarn.lock": f'# yarn lockfile v1\n\n"a@1":\n  version "1"\n  {far} {far}: x\n',
    }


@pytest.fixture
def token() -> str:
    return f"DEPSHIELD_CANARY_{secrets.token_hex(8)}"


def outputs(argv: list[str], out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main([*argv, "--output", str(out)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err + (out.read_text() if out.exists() else "")


@pytest.mark.parametrize("name", list(broken("t")))
@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "sarif", "html"])
def test_scan_quotes_no_more_than_an_excerpt(
    tmp_path: Path, token: str, name: str, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / name).write_text(broken(token)[name])
    argv = ["scan", "--offline", "--format", fmt, str(project)]
    code, shown = outputs(argv, tmp_path / "report.out", capsys)
    assert code == 2
    assert name in shown and "cannot parse" in shown
    assert token not in shown


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.mark.parametrize("name", list(broken("t")))
@pytest.mark.parametrize("fmt", ["markdown", "text", "json", "sarif"])
def test_pr_comment_quotes_no_more_than_an_excerpt(
    tmp_path: Path, token: str, name: str, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "dev@example.invalid")
    git(repo, "config", "user.name", "Dev")
    git(repo, "commit", "-q", "--allow-empty", "-m", "base")
    (repo / name).write_text(broken(token)[name])
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "head")
    argv = ["pr", "--offline", "--base", "main~1", "--head", "main", "--format", fmt, str(repo)]
    code, shown = outputs(argv, tmp_path / "pr.out", capsys)
    assert code == 2
    assert name in shown and "cannot parse" in shown
    assert token not in shown
