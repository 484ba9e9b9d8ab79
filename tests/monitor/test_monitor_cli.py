"""The monitor's and worker's errors: one line, a Tip, exit 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "depshield", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


@pytest.mark.parametrize("command", [["monitor", "--once"], ["worker", "--once"]])
def test_without_a_database_url_it_says_so(command: list[str], tmp_path: Path) -> None:
    env = {**os.environ, "DEPSHIELD_HOME": str(tmp_path), "DEPSHIELD_DATABASE_URL": ""}
    done = run(command, env)
    assert done.returncode == 2
    assert "DEPSHIELD_DATABASE_URL is not set to a postgresql:// URL" in done.stderr
    assert "Tip:" in done.stderr and "Traceback" not in done.stderr


def test_without_a_feed_it_says_so(database: str, tmp_path: Path) -> None:
    env = {**os.environ, "DEPSHIELD_HOME": str(tmp_path), "DEPSHIELD_DATABASE_URL": database}
    env.pop("DEPSHIELD_NPM_FEED_URL", None)
    env.pop("DEPSHIELD_PYPI_CHANGELOG_URL", None)
    done = run(["monitor", "--once"], env)
    assert done.returncode == 2
    assert "no feed to follow" in done.stderr and "--npm-feed" in done.stderr
