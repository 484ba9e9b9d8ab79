"""A worker killed mid-job: the delivery stays in the SQLite queue and completes after a
restart, with still one comment and one check run (the service runs as `depshield serve`)."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from payloads import pull_request
from service_support import REPO, commit_lock, headers, service_env

TREES = "/repos/{owner}/{repo}/git/trees/{tree_sha}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(env: dict[str, str], port: int, stderr: Any = subprocess.PIPE) -> subprocess.Popen[bytes]:
    """`depshield serve` once it answers; a busy service's logs want a file, not a pipe."""
    command = [sys.executable, "-m", "depshield.cli.main", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stderr=stderr)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError(process.stderr.read().decode() if process.stderr else "no start")


def states(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall())


def test_killed_worker_resumes_after_restart(
    project: dict[str, Any], github: Any, app_key: tuple[Path, str], tmp_path: Path,
    webhook_examples: Any,
) -> None:  # fmt: skip
    head = commit_lock(project["repo"], [project["keep"], project["evil"]], "add evil-helper")
    db = tmp_path / "server.db"
    env = {**os.environ, **service_env(github, app_key, db), "DEPSHIELD_WORKERS": "1"}
    port = free_port()
    github.holds[TREES] = hold = __import__("threading").Event()

    server = start(env, port)
    body = json.dumps(pull_request(webhook_examples, "opened", 5, project["base"], head)).encode()
    answer = httpx.post(
        f"http://127.0.0.1:{port}/webhook", content=body, headers=headers("pull_request", body)
    )
    assert answer.status_code == 202
    assert github.held.wait(30)  # the worker is inside the job, reading the base tree
    server.send_signal(signal.SIGKILL)
    server.wait(10)
    assert states(db) == {"running": 1}
    assert github.comments_on(REPO, 5) == []

    hold.set()
    del github.holds[TREES]
    server = start(env, port)
    try:
        deadline = time.monotonic() + 60
        while states(db) != {"done": 1} and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(10)
    assert states(db) == {"done": 1}
    [only] = github.comments_on(REPO, 5)
    assert "evil-helper" in only["body"]
    [check] = github.checks_on(head)  # the check run started before the kill is reused
    assert check["conclusion"] == "failure"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT attempts, processed FROM jobs").fetchone() == (2, 1)
