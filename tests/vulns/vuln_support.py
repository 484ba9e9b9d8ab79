"""Helpers shared by the vulnerability tests (a uniquely named module, unlike conftest)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from depshield.vulns.db import VulnStore
from depshield.vulns.osv import import_paths

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "osv"


def shared_osv_dir() -> Path | None:
    """shared/data/osv beside the repository (CI's clone), else the workstation's copy."""
    for base in (REPO / ".." / "shared", Path("/work/shared")):
        candidate = (base / "data" / "osv").resolve()
        if (candidate / "pypi-pypa-advisory-database.zip").is_file():
            return candidate
    return None


def build_db(path: Path, *sources: Path) -> Path:
    """A database at `path` holding `sources`, imported in the order given."""
    store = VulnStore.open(path, create=True)
    try:
        import_paths(list(sources), store)
    finally:
        store.close()
    return path


class OsvApiServer:
    """A loopback OSV API: POST /v1/query answers with queued JSON replies, recording bodies."""

    def __init__(self) -> None:
        self.replies: list[tuple[int, bytes]] = []
        self.queries: list[dict[str, object]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", "0"))
                server.queries.append(json.loads(self.rfile.read(length) or b"{}"))
                status, body = (
                    server.replies.pop(0) if len(server.replies) > 1 else server.replies[0]
                )
                if self.path != "/v1/query":
                    status, body = 404, b"{}"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def reply(self, doc: object, status: int = 200) -> None:
        self.replies.append((status, json.dumps(doc).encode()))

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
