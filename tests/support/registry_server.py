"""A loopback HTTP server that plays a package registry from canned replies, for tests."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import tarfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "registry"
# The host recorded documents name; tests swap it for the loopback server's address.
RECORDED_BASE = "http://registry.example.invalid/"


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Seen:
    path: str
    headers: Mapping[str, str]


class RegistryServer:
    """Serves `route`d replies by exact raw request path; unknown paths answer 404."""

    def __init__(self) -> None:
        self._routes: dict[str, list[Reply]] = {}
        self._lock = threading.Lock()
        self.seen: list[Seen] = []
        self.posted: list[tuple[str, bytes]] = []  # POST path and body, in order
        self._post_routes: dict[str, list[Reply]] = {}
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/"
        # A short poll keeps shutdown() (and so each test's teardown) quick.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def route(self, path: str, *replies: Reply) -> None:
        """Answer `path` with `replies` in turn; the last one repeats."""
        with self._lock:
            self._routes[path] = list(replies)

    def json(self, path: str, doc: Any) -> None:
        self.route(path, Reply(200, json.dumps(doc).encode(), {"Content-Type": "application/json"}))

    def post(self, path: str, *replies: Reply) -> None:
        """Answer POSTs to `path` with `replies` in turn (the last repeats); others get 404."""
        with self._lock:
            self._post_routes[path] = list(replies)

    def bytes(self, path: str, data: bytes) -> None:
        self.route(path, Reply(200, data, {"Content-Type": "application/octet-stream"}))

    def paths(self) -> list[str]:
        return [seen.path for seen in self.seen]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _next(self, path: str, method: str = "GET") -> Reply:
        with self._lock:
            table = self._post_routes if method == "POST" else self._routes
            replies = table.get(path)
            if not replies:
                return Reply(404, b'{"error":"not found"}')
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                server.seen.append(Seen(self.path, dict(self.headers.items())))
                reply = server._next(self.path)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", "0"))
                server.posted.append((self.path, self.rfile.read(length)))
                reply = server._next(self.path, "POST")
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        return Handler


def load_doc(relative: str, base_url: str) -> dict[str, Any]:
    """A recorded document with its recorded host replaced by `base_url`."""
    text = (FIXTURES / relative).read_text(encoding="utf-8")
    doc: dict[str, Any] = json.loads(text.replace(RECORDED_BASE, base_url))
    return doc


def make_tgz(files: Mapping[str, bytes], prefix: str = "package") -> bytes:
    """A small npm-style tarball (members under `prefix/`)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{prefix}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def sri(data: bytes, algorithm: str = "sha512") -> str:
    return f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_ENV_PREFIXES = ("NPM_CONFIG_", "PIP_", "DEPSHIELD_", "XDG_CONFIG_")
_ENV_NAMES = ("VIRTUAL_ENV", "PREFIX", "SSL_CERT_FILE", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


def isolate_env(monkeypatch: Any, tmp_path: Path) -> Path:
    """Forget this machine's npm/pip/proxy settings: HOME, config dirs and the store go to tmp."""
    import os

    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith(_ENV_PREFIXES) or upper in _ENV_NAMES:
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "etc-xdg"))
    monkeypatch.setenv("npm_config_globalconfig", str(tmp_path / "global-npmrc"))
    monkeypatch.setenv("DEPSHIELD_HOME", str(tmp_path / "depshield-home"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    return home
