"""The dashboard's settings, from the environment: where results are stored, the sign-in token."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

URL_ENV = "DEPSHIELD_DATABASE_URL"
TOKEN_ENV = "DEPSHIELD_DASHBOARD_TOKEN"


@dataclass(frozen=True)
class DashboardConfig:
    database_url: str  # sqlite:///path or postgresql://...
    token: str | None = field(default=None, repr=False)


def from_env(server_db: Path, env: Mapping[str, str] | None = None) -> DashboardConfig:
    """SQLite next to the service's queue unless DEPSHIELD_DATABASE_URL names another database."""
    env = os.environ if env is None else env
    url = env.get(URL_ENV, "").strip() or f"sqlite:///{server_db.with_name('dashboard.sqlite3')}"
    return DashboardConfig(url, env.get(TOKEN_ENV, "").strip() or None)
