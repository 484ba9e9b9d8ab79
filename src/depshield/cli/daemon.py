"""`depshield daemon start|stop|status|run`: the resident analyser for this DEPSHIELD_HOME."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from typing import Any

from depshield.daemon import protocol
from depshield.errors import UsageError

START_WAIT = 20.0  # seconds for a new daemon to warm up and listen
MAX_SOCKET_PATH = 100  # AF_UNIX paths are limited to about 108 bytes

HOW = """While it runs, `depshield package`, `scan`, `diff` and `alerts` are run by a warm child of
the daemon, with the caller's own stdin/stdout/stderr, directory, environment and umask; the
output is the same as without it. It listens on DEPSHIELD_HOME/daemon.sock (mode 0600), exits
after 30 idle minutes or when depshield is upgraded, and is skipped when DEPSHIELD_NO_DAEMON=1."""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "daemon",
        help="start, stop or check the resident analyser that makes short runs faster",
        description="Manage the resident analyser.",
        epilog=HOW,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=["start", "stop", "status", "run"])
    parser.add_argument(
        "--idle", type=float, default=1800.0, metavar="SECONDS", help="exit after this idle time"
    )


def run(args: argparse.Namespace) -> int:
    root = protocol.home()
    path = protocol.socket_path(root)
    if len(str(path)) > MAX_SOCKET_PATH:
        raise UsageError(
            f"socket path {str(path)!r} is too long for a Unix socket",
            tip="set DEPSHIELD_HOME to a shorter directory",
        )
    if args.action == "run":
        from depshield.daemon.server import serve

        return serve(root, args.idle)
    if args.action == "status":
        up = _ping(path)
        print(f"resident analyser: {'running' if up else 'not running'} ({path})")
        return 0 if up else 1
    if args.action == "stop":
        stopped = _stop(path)
        print("resident analyser stopped" if stopped else "resident analyser was not running")
        return 0
    return _start(path, args.idle)


def _start(path: Any, idle: float) -> int:
    if _ping(path):
        print(f"resident analyser already running ({path})")
        return 0
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        log = (path.parent / "daemon.log").open("ab")
    except OSError as exc:
        raise UsageError(
            f"cannot write to {str(path.parent)!r}: {exc.strerror or exc}",
            tip="set DEPSHIELD_HOME to a directory you can write",
        ) from None
    cmd = [sys.executable, "-m", "depshield.cli.main", "daemon", "run", "--idle", str(idle)]
    env = {**os.environ, "DEPSHIELD_NO_DAEMON": "1"}  # the daemon never calls itself
    subprocess.Popen(  # noqa: S603 - our own interpreter and module
        cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, start_new_session=True
    )
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        if _ping(path):
            print(f"resident analyser running ({path})")
            return 0
        time.sleep(0.05)
    raise UsageError(
        f"the resident analyser did not start within {START_WAIT:.0f} s",
        tip=f"see {path.parent / 'daemon.log'}",
    )


def _ping(path: Any) -> bool:
    """True when something accepts connections on the socket."""
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(str(path))
        except OSError:
            return False
    return True


def _stop(path: Any) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(str(path))
            protocol.send(sock, {"stop": True})
            reply, _ = protocol.receive(sock)
        except (OSError, ValueError):
            return False
    return bool(reply and reply.get("stopped"))
