"""Issue 17: a hostile project's files never bring the runner's secrets into any output."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

FORMATS = ["text", "json", "markdown", "sarif", "html", "cyclonedx"]
TIMEOUT = 60  # only a hang exceeds this


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from depshield.cli.main import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=TIMEOUT,
    )


@pytest.fixture
def canary(tmp_path: Path) -> tuple[str, Path, dict[str, str]]:
    token = f"DEPSHIELD_CANARY_{secrets.token_hex(8)}"
    outside = tmp_path / "outside.txt"
    outside.write_text(f"{token}==1.0\n{token}\n")
    env = {**os.environ, "DEPSHIELD_CANARY": token, "DEPSHIELD_NO_DAEMON": "1"}
    env["DEPSHIELD_HOME"] = str(tmp_path / "home")
    return token, outside, env


def hostile(kind: str, root: Path, outside: Path) -> str:
    """Build one hostile project under `root`; return the file the error must name."""
    root.mkdir(parents=True, exist_ok=True)
    climb = "../" * 30
    if kind == "climb-environ":
        (root / "requirements.txt").write_text(f"-r {climb}proc/self/environ\n")
    elif kind == "climb-file":
        (root / "requirements.txt").write_text(f"-c {climb}{str(outside).lstrip('/')}\n")
    elif kind == "absolute":
        (root / "requirements.txt").write_text(f"-r {outside}\n")
        return "requirements.txt"
    elif kind == "symlink-out":
        (root / "requirements.txt").symlink_to(outside)
    elif kind == "dev-zero":
        (root / "package-lock.json").symlink_to("/dev/zero")
        return "package-lock.json"
    elif kind == "fifo":
        os.mkfifo(root / "yarn.lock")
        return "yarn.lock"
    elif kind == "file-outside":
        _file_dependency_outside(root, outside)
        return "package-lock.json"
    return "requirements.txt"


def _file_dependency_outside(root: Path, outside: Path) -> None:
    """A `file:` dependency on a folder beside the project, whose code quotes the canary."""
    package = root.parent / "outside-pkg"
    package.mkdir(exist_ok=True)
    (package / "package.json").write_text('{"name": "outside-pkg", "version": "1.0.0"}\n')
    token = outside.read_text().splitlines()[-1]
    (package / "index.js").write_text(f'eval(Buffer.from("{token}", "base64").toString());\n')
    spec = {"outside-pkg": "file:../outside-pkg"}
    lock = {
        "name": "app",
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "app", "dependencies": spec},
            "../outside-pkg": {"name": "outside-pkg", "version": "1.0.0"},
            "node_modules/outside-pkg": {"resolved": "../outside-pkg", "link": True},
        },
    }
    (root / "package.json").write_text(json.dumps({"name": "app", "dependencies": spec}))
    (root / "package-lock.json").write_text(json.dumps(lock))


KINDS = [
    "climb-environ",
    "climb-file",
    "absolute",
    "symlink-out",
    "dev-zero",
    "fifo",
    "file-outside",
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_scan_never_shows_the_canary(
    tmp_path: Path, canary: tuple[str, Path, dict[str, str]], kind: str, fmt: str
) -> None:
    token, outside, env = canary
    named = hostile(kind, tmp_path / "proj", outside)
    out = tmp_path / "report.out"
    done = run(["scan", "--offline", "--format", fmt, "--output", str(out), "proj"], env, tmp_path)
    written = out.read_text() if out.exists() else ""
    assert token not in done.stdout + done.stderr + written
    assert "Traceback" not in done.stderr
    if kind == "absolute":  # recorded as a note, not followed
        assert done.returncode in (0, 4), done.stderr
    else:
        assert done.returncode == 2, done.stdout + done.stderr
        assert named in done.stderr + done.stdout + written


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.mark.parametrize(
    "kind", ["climb-environ", "climb-file", "symlink-out", "dev-zero", "file-outside"]
)
@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "sarif"])
def test_pr_never_shows_the_canary(
    tmp_path: Path, canary: tuple[str, Path, dict[str, str]], kind: str, fmt: str
) -> None:
    token, outside, env = canary
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "dev@example.invalid")
    git(repo, "config", "user.name", "Dev")
    (repo / "requirements.txt").write_text("")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    (repo / "requirements.txt").unlink()
    named = hostile(kind, repo, outside)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "head")
    done = run(
        ["pr", "--offline", "--base", "main~1", "--head", "main", "--format", fmt, str(repo)],
        env,
        tmp_path,
    )
    assert token not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.returncode == 2, done.stdout + done.stderr
    assert named in done.stdout + done.stderr
