"""Hand a command to the resident analyser when one runs for this DEPSHIELD_HOME."""

from __future__ import annotations

import os
import socket
import sys

from depshield.daemon import protocol

OPT_OUT = "DEPSHIELD_NO_DAEMON"
START_SECONDS = 10.0  # the child announces itself right after the fork


def run_resident(argv: list[str]) -> int | None:
    """The command's exit code from a resident child, or None to run it in this process: no
    daemon, opted out, a command that must run here, or a daemon whose code is out of date."""
    command = next((a for a in argv if not a.startswith("-")), None)
    if command not in protocol.COMMANDS or os.environ.get(OPT_OUT):
        return None
    path = protocol.client_socket()
    if not os.path.exists(path):
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
        request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "umask": _umask()}
        request["code"] = protocol.code_root()  # another installation's daemon will not do
        protocol.send(sock, request, [0, 1, 2])
        return _wait(sock)
    except (OSError, ValueError):
        return None  # not listening (stale socket file) or gone before it started: run here
    finally:
        sock.close()


def _wait(sock: socket.socket) -> int | None:
    """Follow the child: its pid first (so Ctrl-C reaches it), then its exit code."""
    sock.settimeout(START_SECONDS)  # a daemon that does not answer at once is not used
    started, _ = protocol.receive(sock)
    sock.settimeout(None)
    if started is None or started.get("stale"):
        return None
    child = int(started.get("pid", 0))
    if os.environ.get("DEPSHIELD_DEBUG"):
        print(f"depshield: run by the resident analyser (child {child})", file=sys.stderr)
    while True:
        try:
            message, _ = protocol.receive(sock)
        except KeyboardInterrupt:
            import signal

            if child > 0:
                os.kill(child, signal.SIGINT)
            continue
        if message is None:
            print("depshield: error: the resident analyser ended unexpectedly", file=sys.stderr)
            print("Tip: run `depshield daemon stop`, or set DEPSHIELD_NO_DAEMON=1", file=sys.stderr)
            return 70
        if "exit" in message:
            return int(message["exit"])


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
