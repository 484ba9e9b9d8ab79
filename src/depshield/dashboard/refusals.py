"""Recent refusals by the registry proxy (its SQLite audit log) and the registry monitor (its
PostgreSQL tables), when the dashboard can reach them; read only, never written."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from depshield.dashboard.store import ResultsStore
from depshield.errors import ConfigError
from depshield.home import depshield_home

LIMIT = 20
AUDIT_ENV = "DEPSHIELD_PROXY_AUDIT_DB"
_MONITOR = """SELECT analysed, ecosystem, name, version, verdict FROM depshield_monitor_result
WHERE verdict = 'block' ORDER BY analysed DESC LIMIT ?"""


def recent(store: ResultsStore) -> list[dict[str, Any]]:
    found = [*_proxy(_audit_path()), *_monitor(store)]
    return sorted(found, key=lambda r: -r["at"])[:LIMIT]


def _audit_path() -> Path | None:
    configured = os.environ.get(AUDIT_ENV, "").strip()
    if configured:
        return Path(configured)

    try:
        return depshield_home() / "proxy" / "audit.sqlite"
    except ConfigError:
        return None


def _proxy(path: Path | None) -> list[dict[str, Any]]:
    if path is None or not path.is_file():
        return []
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2.0)
        try:
            rows = db.execute(
                "SELECT at, ecosystem, name, version, verdict, reason FROM decisions "
                "WHERE served = 0 ORDER BY at DESC LIMIT ?",
                (LIMIT,),
            ).fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return []
    keys = ("at", "ecosystem", "name", "version", "verdict", "reason")
    return [{**dict(zip(keys, row, strict=True)), "source": "proxy"} for row in rows]


def _monitor(store: ResultsStore) -> list[dict[str, Any]]:
    if not store.db.postgres:
        return []
    if store.query("SELECT to_regclass('depshield_monitor_result') IS NOT NULL")[0][0] is not True:
        return []
    return [
        {"at": at.timestamp(), "ecosystem": e, "name": n, "version": v, "verdict": verdict,
         "reason": "refused by the registry monitor", "source": "monitor"}
        for at, e, n, v, verdict in store.query(_MONITOR, [LIMIT])
    ]  # fmt: skip
