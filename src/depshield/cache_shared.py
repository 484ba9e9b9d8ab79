"""Analysis results shared by every machine of a deployment: with DEPSHIELD_DATABASE_URL set,
the cache's analyses (keyed by artifact digest and analyzer version, `analysis.cache_key`) are
also kept in PostgreSQL, so an artifact one worker examined is not examined again by another.
The database is an accelerator: when it is down or not migrated, lookups are misses."""

from __future__ import annotations

import os
import threading
from typing import Any

DATABASE_URL_ENV = "DEPSHIELD_DATABASE_URL"  # also the service's store (server/config.py)


class SharedAnalyses:
    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        self._broken = False  # after a failure, the local cache alone (no retry storm)

    @classmethod
    def from_env(cls) -> SharedAnalyses | None:
        url = os.environ.get(DATABASE_URL_ENV, "").strip()
        return cls(url) if url.startswith(("postgresql://", "postgres://")) else None

    def _db(self) -> Any:
        import psycopg

        pid, db = getattr(self._local, "db", (None, None))
        if db is None or db.closed or pid != os.getpid():  # never a parent's connection
            db = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            self._local.db = (os.getpid(), db)
        return db

    def get(self, digest: str, analyzer: str) -> bytes | None:
        row = self._run(
            "SELECT payload FROM depshield_analyses WHERE digest = %s AND analyzer = %s",
            (digest, analyzer),
        )
        return bytes(row[0]) if row else None

    def put(self, digest: str, analyzer: str, payload: bytes) -> None:
        self._run(
            "INSERT INTO depshield_analyses (digest, analyzer, payload) VALUES (%s, %s, %s) "
            "ON CONFLICT (digest, analyzer) DO NOTHING",
            (digest, analyzer, payload),
        )

    def _run(self, sql: str, args: tuple[object, ...]) -> tuple[Any, ...] | None:
        if self._broken:
            return None
        import psycopg

        try:
            cursor = self._db().execute(sql, args)
            return cursor.fetchone() if cursor.description else None
        except psycopg.Error:
            self._broken = True
            return None

    def close(self) -> None:
        _, db = getattr(self._local, "db", (None, None))
        if db is not None:
            db.close()
            self._local.db = (None, None)
