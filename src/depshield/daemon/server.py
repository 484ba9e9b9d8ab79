"""The resident analyser: warm once, then fork a child per command that runs exactly as the
calling process would (its fds, directory, environment and umask)."""

from __future__ import annotations

import contextlib
import gc
import io
import os
import signal
import socket
import sys
from pathlib import Path

from depshield.daemon import protocol

IDLE_SECONDS = 1800  # an unused resident analyser goes away by itself
REQUEST_SECONDS = 2.0  # a local client sends its request right after connecting


def serve(root: Path, idle_seconds: float = IDLE_SECONDS) -> int:
    """Listen on root/daemon.sock until stopped, idle, or the installed code changes."""
    from depshield.daemon.warm import warm_up

    warm_up()
    # Everything warm-up built lives as long as the daemon: out of the collector's sight, a
    # child's collections do not walk (and copy on write) the parent's whole heap.
    gc.freeze()
    stamp = code_stamp()
    root.mkdir(parents=True, exist_ok=True)
    path = protocol.socket_path(root)
    path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_mask = os.umask(0o177)  # the socket is created 0600: its owner's only
    try:
        listener.bind(str(path))
    finally:
        os.umask(old_mask)
    listener.listen(16)
    listener.settimeout(idle_seconds)
    (root / protocol.PID_NAME).write_text(str(os.getpid()))
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                return 0
            if not _handle(conn, stamp, listener):
                return 0
    finally:
        listener.close()
        with contextlib.suppress(OSError):
            if (root / protocol.PID_NAME).read_text() == str(os.getpid()):
                path.unlink(missing_ok=True)
                (root / protocol.PID_NAME).unlink(missing_ok=True)


def _handle(conn: socket.socket, stamp: dict[str, int], listener: socket.socket) -> bool:
    """Serve one connection; False when the daemon should stop (asked to, or out of date)."""
    with conn:
        conn.settimeout(REQUEST_SECONDS)  # a peer that connects and says nothing cannot hold us
        uid = protocol.peer_uid(conn)
        if uid is not None and uid != os.getuid():
            return True  # the socket is 0600; another user getting here is refused all the same
        try:
            request, fds = protocol.receive(conn, max_fds=3)
        except (OSError, ValueError):  # includes the timeout
            return True
        if request is None:
            return True
        if request.get("stop"):
            protocol.send(conn, {"stopped": True})
            return False
        foreign = request.get("code") != protocol.code_root()  # another installation's client
        outdated = code_stamp() != stamp  # this installation was upgraded: step down
        if len(fds) != 3 or foreign or outdated:
            for fd in fds:
                os.close(fd)
            protocol.send(conn, {"stale": True})  # the client runs the command itself
            return not outdated
        pid = os.fork()
        if pid == 0:  # the child: never returns into the accept loop
            listener.close()
            os._exit(_child(conn, request, fds))
        for fd in fds:
            os.close(fd)
    return True


def _child(conn: socket.socket, request: dict[str, object], fds: list[int]) -> int:
    code = 70
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # subprocess and pools wait on their own
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        conn.settimeout(None)
        protocol.send(conn, {"pid": os.getpid()})
        _become_caller(request, fds)
        from depshield.cli.main import run_here

        argv = request.get("argv")
        code = run_here([str(a) for a in argv] if isinstance(argv, list) else [])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - a child must always report and exit
        code = 70
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        with contextlib.suppress(OSError):
            protocol.send(conn, {"exit": code})
    return code


def _become_caller(request: dict[str, object], fds: list[int]) -> None:
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), errors="replace")
    sys.stdout = _writer(1)
    sys.stderr = _writer(2)
    env = request.get("env")
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in env.items()} if isinstance(env, dict) else {})
    cwd = request.get("cwd")
    os.chdir(str(cwd) if isinstance(cwd, str) else "/")
    umask = request.get("umask")
    os.umask(umask if isinstance(umask, int) else 0o022)


def _writer(fd: int) -> io.TextIOWrapper:
    tty = os.isatty(fd)
    return io.TextIOWrapper(
        io.FileIO(fd, "w", closefd=False), encoding="utf-8", line_buffering=tty, write_through=tty
    )


def code_stamp() -> dict[str, int]:
    """Modification times of depshield's loaded modules: an upgrade makes the daemon step down."""
    stamp = {}
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if name.startswith("depshield") and file:
            with contextlib.suppress(OSError):
                stamp[file] = os.stat(file).st_mtime_ns
    return stamp
