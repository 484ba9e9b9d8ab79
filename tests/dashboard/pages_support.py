"""The service app (webhook, health and dashboard) around a filled results store, for tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from depshield.dashboard.config import DashboardConfig
from depshield.server.config import ServerConfig

LOOPBACK = ("127.0.0.1", 40000)
ELSEWHERE = ("203.0.113.9", 40000)  # TEST-NET-3: an address off this machine


def service_app(tmp_path: Path, url: str, token: str | None = None) -> Any:
    from depshield.server.app import create_app

    config = ServerConfig(
        app_id="1",
        private_key="unused: no job runs",
        webhook_secret=b"secret",
        api_url="http://127.0.0.1:9/api",
        database=tmp_path / "server" / "queue.sqlite3",
    )
    return create_app(config, start_workers=False, dashboard=DashboardConfig(url, token))


def client(app: Any, address: tuple[str, int] = LOOPBACK) -> Any:
    from starlette.testclient import TestClient

    return TestClient(app, client=address, follow_redirects=False)


class Live:
    """The app under a real uvicorn on a loopback port, in a thread (for the browser)."""

    def __init__(self, app: Any) -> None:
        import socket
        import threading

        import uvicorn

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.url = f"http://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        import time

        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the dashboard server did not start")
            time.sleep(0.02)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)
