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
