"""The wire format between client and resident analyser: length-prefixed JSON, fds on the first
message. Kept to the standard library's lightest modules: the client runs before anything else."""

from __future__ import annotations

import json
import os
import socket
import struct

TYPE_CHECKING = False  # not typing's: importing typing costs the client more than all the rest
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

HOME_VAR = "DEPSHIELD_HOME"  # depshield.home.ENV_VAR, without that module's pathlib import
SOCKET_NAME = "daemon.sock"
PID_NAME = "daemon.pid"
# Commands a resident child runs; the install guards run package managers interactively and
# `daemon` manages the daemon itself, so those always run in the calling process.
COMMANDS = frozenset({"package", "scan", "diff", "alerts"})
MAX_MESSAGE = 1 << 22  # an environment and argv, never more than a few hundred KB
_LENGTH = struct.Struct("!I")


def home() -> Path:
    """DEPSHIELD_HOME as depshield.home decides it (imported lazily by the client)."""
    from depshield.home import depshield_home

    return depshield_home()


def client_socket() -> str:
    """The socket path as the client looks for it, without pathlib when DEPSHIELD_HOME is set."""
    configured = os.environ.get(HOME_VAR, "").strip()
    if configured:
        return os.path.join(os.path.expanduser(configured), SOCKET_NAME)
    return str(socket_path())


def code_root() -> str:
    """The directory depshield runs from: client and daemon must be the same installation."""
    import depshield

    return os.path.dirname(os.path.abspath(depshield.__file__))


def socket_path(root: Path | None = None) -> Path:
    return (root or home()) / SOCKET_NAME


def send(sock: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    body = json.dumps(message).encode()
    data = _LENGTH.pack(len(body)) + body
    if fds:
        socket.send_fds(sock, [data[: _LENGTH.size]], fds)
        sock.sendall(data[_LENGTH.size :])
    else:
        sock.sendall(data)


def receive(sock: socket.socket, max_fds: int = 0) -> tuple[dict[str, Any] | None, list[int]]:
    """One message (None when the peer closed first) and the fds that came with it."""
    fds: list[int] = []
    if max_fds:
        head, fds, _, _ = socket.recv_fds(sock, _LENGTH.size, max_fds)
    else:
        head = sock.recv(_LENGTH.size)
    head += _exactly(sock, _LENGTH.size - len(head)) if head else b""
    if len(head) < _LENGTH.size:
        _close(fds)
        return None, []
    (length,) = _LENGTH.unpack(head)
    if length > MAX_MESSAGE:
        _close(fds)
        raise ValueError(f"message of {length} bytes")
    body = _exactly(sock, length)
    if len(body) < length:
        _close(fds)
        return None, []
    message = json.loads(body)
    if not isinstance(message, dict):
        _close(fds)
        raise ValueError("message is not an object")
    return message, fds


def _exactly(sock: socket.socket, size: int) -> bytes:
    chunks = []
    while size > 0:
        chunk = sock.recv(min(size, 1 << 16))
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _close(fds: list[int]) -> None:
    for fd in fds:
        try:  # noqa: SIM105 - contextlib is one import more for the client
            os.close(fd)
        except OSError:
            pass


def peer_uid(sock: socket.socket) -> int | None:
    """The connecting process's user id (Linux SO_PEERCRED), None where not available."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    creds = sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])
