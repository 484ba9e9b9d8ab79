"""The SQLite cache under DEPSHIELD_HOME: registry documents with a TTL, analysis results keyed
by artifact digest and analyzer version (shared through PostgreSQL too when
DEPSHIELD_DATABASE_URL is set: cache_shared.py).

WAL mode and short transactions let two scans share it; a killed scan leaves at most an
uncommitted transaction, which SQLite rolls back on the next open.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from depshield.cache_shared import SharedAnalyses
from depshield.home import depshield_home

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    url TEXT PRIMARY KEY, body BLOB NOT NULL, etag TEXT, fetched_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS analyses (
    digest TEXT NOT NULL, analyzer TEXT NOT NULL, payload BLOB NOT NULL, created_at REAL NOT NULL,
    PRIMARY KEY (digest, analyzer)
);
"""


class Cache:
    """One connection per thread; every write is its own short transaction."""

    def __init__(self, path: Path | None = None) -> None:
        if path is None:
            path = depshield_home() / "cache.sqlite"
        self.path = path
        self._local = threading.local()
        self._shared = _shared_analyses()

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(SCHEMA)
            self._local.db = db
        return db

    def get_document(self, url: str, ttl: float) -> bytes | None:
        row = (
            self._db()
            .execute("SELECT body, fetched_at FROM documents WHERE url = ?", (url,))
            .fetchone()
        )
        if row is None or time.time() - row[1] > ttl:
            return None
        body: bytes = row[0]
        return body

    def get_stale_document(self, url: str) -> bytes | None:
        """A document whatever its age: the fallback when the registry is down."""
        row = self._db().execute("SELECT body FROM documents WHERE url = ?", (url,)).fetchone()
        return None if row is None else bytes(row[0])

    def put_document(self, url: str, body: bytes, etag: str | None = None) -> None:
        self._db().execute(
            "INSERT OR REPLACE INTO documents (url, body, etag, fetched_at) VALUES (?, ?, ?, ?)",
            (url, body, etag, time.time()),
        )

    def get_analysis(self, digest: str, analyzer: str) -> dict[str, Any] | None:
        row = (
            self._db()
            .execute(
                "SELECT payload FROM analyses WHERE digest = ? AND analyzer = ?", (digest, analyzer)
            )
            .fetchone()
        )
        data = row[0] if row else None
        if data is None and self._shared is not None:
            data = self._shared.get(digest, analyzer)  # another machine's analysis
        if data is None:
            return None
        try:
            payload: dict[str, Any] = json.loads(data)
        except ValueError:
            return None  # a corrupt row is a cache miss, never an error
        if row is None:
            self._put_local(digest, analyzer, bytes(data).decode())
        return payload

    def put_analysis(self, digest: str, analyzer: str, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, separators=(",", ":"))
        self._put_local(digest, analyzer, data)
        if self._shared is not None:
            self._shared.put(digest, analyzer, data.encode())

    def _put_local(self, digest: str, analyzer: str, data: str) -> None:
        self._db().execute(
            "INSERT OR REPLACE INTO analyses (digest, analyzer, payload, created_at) "
            "VALUES (?, ?, ?, ?)",
            (digest, analyzer, data, time.time()),
        )

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
        if self._shared is not None:
            self._shared.close()


def _shared_analyses() -> Any:
    import os

    if not os.environ.get("DEPSHIELD_DATABASE_URL", "").strip():
        return None  # the usual case: nothing imported

    return SharedAnalyses.from_env()
