"""The resident analyser: same output and exit codes as a fresh process, the caller's directory
and environment, owner-only socket, steps down when its code changes, clean fallback."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from depshield.daemon import client, protocol, server

ROOT = Path(__file__).resolve().parents[2]
STEALER = ROOT / "examples" / "demo-app" / "npm-credential-stealer"
BENIGN = ROOT / "tests" / "fixtures" / "lookalikes" / "npm-http-client"


def _cli(
    home: Path, *args: str, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "DEPSHIELD_HOME": str(home), **env}
    environ.pop("DEPSHIELD_NO_DAEMON", None)
    if env.get("DEPSHIELD_NO_DAEMON"):
        environ["DEPSHIELD_NO_DAEMON"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "depshield.cli.main", *args],
        capture_output=True,
        text=True,
        env=environ,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("dh")
    assert len(str(root / protocol.SOCKET_NAME)) < 100
    started = _cli(root, "daemon", "start", "--idle", "120")
    assert started.returncode == 0, started.stderr
    yield root
    _cli(root, "daemon", "stop")


def test_socket_is_owner_only_and_status_reports_it(home: Path) -> None:
    mode = stat.S_IMODE((home / protocol.SOCKET_NAME).stat().st_mode)
    assert mode == 0o600
    status = _cli(home, "daemon", "status")
    assert status.returncode == 0 and "running" in status.stdout


def test_same_report_and_exit_code_as_a_fresh_process(home: Path) -> None:
    args = ("package", str(STEALER), "--offline", "--format", "json")
    resident = _cli(home, *args, DEPSHIELD_DEBUG="1")
    fresh = _cli(home, *args, DEPSHIELD_NO_DAEMON="1")
    assert "run by the resident analyser" in resident.stderr
    assert "resident" not in fresh.stderr
    assert resident.returncode == fresh.returncode == 1  # blocked
    assert resident.stdout == fresh.stdout and '"verdict": "block"' in resident.stdout
    benign = _cli(home, "package", str(BENIGN), "--offline", DEPSHIELD_DEBUG="1")
    assert benign.returncode == 0 and "run by the resident analyser" in benign.stderr


def test_caller_directory_and_environment_are_used(home: Path, tmp_path: Path) -> None:
    # A relative spec and a config file found from the caller's directory, not the daemon's.
    (tmp_path / "depshield.toml").write_text('[rules]\ndataExfiltration = "ignore"\n')
    (tmp_path / "pkg").symlink_to(STEALER, target_is_directory=True)
    out = tmp_path / "report.txt"
    result = _cli(home, "package", "pkg", "--offline", "--all", "-o", "report.txt", cwd=tmp_path)
    assert out.is_file() and "dataExfiltration (ignore)" in out.read_text()
    fresh = _cli(home, "package", "pkg", "--offline", cwd=tmp_path, DEPSHIELD_NO_DAEMON="1")
    assert result.returncode == fresh.returncode


def test_guard_commands_never_go_to_the_daemon(home: Path) -> None:
    assert "npm" not in protocol.COMMANDS and "daemon" not in protocol.COMMANDS
    assert client.run_resident(["daemon", "status"]) is None


def test_stale_code_makes_the_daemon_step_down() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        r, w = os.pipe()
        request = {"argv": ["alerts"], "cwd": "/", "env": {}, "code": protocol.code_root()}
        protocol.send(theirs, request, [r, w, w])
        os.close(r)
        os.close(w)
        keep_serving = server._handle(ours, {"/nowhere.py": 1}, ours)
        reply, _ = protocol.receive(theirs)
    assert keep_serving is False and reply == {"stale": True}


def test_another_installations_client_is_sent_back() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        r, w = os.pipe()
        request = {"argv": ["alerts"], "cwd": "/", "env": {}, "code": "/elsewhere/depshield"}
        protocol.send(theirs, request, [r, w, w])
        os.close(r)
        os.close(w)
        keep_serving = server._handle(ours, server.code_stamp(), ours)
        reply, _ = protocol.receive(theirs)
    assert keep_serving is True and reply == {"stale": True}


def test_peer_uid_is_the_callers() -> None:
    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right:
        assert protocol.peer_uid(left) in (os.getuid(), None)


def test_a_dead_socket_file_means_running_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPSHIELD_HOME", str(tmp_path))
    monkeypatch.delenv("DEPSHIELD_NO_DAEMON", raising=False)
    dead = socket.socket(socket.AF_UNIX)
    dead.bind(str(tmp_path / protocol.SOCKET_NAME))
    dead.close()  # the file stays, nobody listens
    assert client.run_resident(["package", "x"]) is None


def test_stop_removes_the_socket(tmp_path: Path) -> None:
    root = tmp_path / "h"
    assert _cli(root, "daemon", "start", "--idle", "60").returncode == 0
    stopped = _cli(root, "daemon", "stop")
    assert "stopped" in stopped.stdout
    assert not (root / protocol.SOCKET_NAME).exists()
    assert _cli(root, "daemon", "status").returncode == 1


def test_a_silent_peer_does_not_hold_the_daemon(home: Path) -> None:
    with socket.socket(socket.AF_UNIX) as silent:
        silent.connect(str(home / protocol.SOCKET_NAME))  # connects, never sends
        served = _cli(home, "package", str(BENIGN), "--offline", DEPSHIELD_DEBUG="1")
    assert served.returncode == 0 and "run by the resident analyser" in served.stderr


def test_client_finds_the_socket_where_the_daemon_listens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from depshield.home import ENV_VAR

    assert protocol.HOME_VAR == ENV_VAR
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert protocol.client_socket() == str(protocol.socket_path())


def test_start_in_an_unwritable_home_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    started = _cli(blocker / "home", "daemon", "start")
    assert started.returncode == 2
    assert "cannot be created: Not a directory" in started.stderr  # depshield.home says so
    assert "Traceback" not in started.stderr
    assert "Tip: set DEPSHIELD_HOME" in started.stderr
