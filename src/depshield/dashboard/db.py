"""A tiny connection adapter: the same portable SQL (`?` placeholders) on SQLite or PostgreSQL.

SQLite is the default (a file next to the service's queue); `postgresql://` URLs go through
psycopg 3. Only the placeholder style differs between the two for the SQL the store uses.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from depshield.errors import ConfigError

Row = tuple[Any, ...]


class Database:
    """One connection per thread; every `execute`/`many` call is its own committed transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith(("postgresql://", "postgres://"))
        self._local = threading.local()
        self._connections: list[Any] = []
        self._lock = threading.Lock()

    def _connect(self) -> Any:
        db = getattr(self._local, "db", None)
        if db is not None:
            return db
        db = _postgres(self.url) if self.postgres else _sqlite(self.url)
        self._local.db = db
        with self._lock:
            self._connections.append(db)
        return db

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    def script(self, statements: str) -> None:
        """Several `;`-separated statements (a schema), committed together."""
        db = self._connect()
        with _transaction(db, self.postgres):
            for statement in filter(str.strip, statements.split(";")):
                db.execute(statement)

    def execute(self, sql: str, args: Sequence[Any] = ()) -> None:
        self.many(sql, [args])

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        db = self._connect()
        with _transaction(db, self.postgres):
            cursor = db.cursor()
            cursor.executemany(self._sql(sql), [tuple(r) for r in rows])

    def batch(self, steps: Sequence[tuple[str, Iterable[Sequence[Any]]]]) -> None:
        """Several statements, each over its rows, in one transaction (a run is all or none)."""
        db = self._connect()
        with _transaction(db, self.postgres):
            cursor = db.cursor()
            for sql, rows in steps:
                batch = [tuple(r) for r in rows]
                if batch:
                    cursor.executemany(self._sql(sql), batch)

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        db = self._connect()
        cursor = db.execute(self._sql(sql), tuple(args))
        rows = [tuple(r) for r in cursor.fetchall()]
        if self.postgres:
            db.commit()  # end the read transaction: the next read sees new runs
        return rows

    def close(self) -> None:
        with self._lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()


class _transaction:
    def __init__(self, db: Any, postgres: bool) -> None:
        self.db, self.postgres = db, postgres

    def __enter__(self) -> None:
        if not self.postgres:
            self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            self.db.commit()
        else:
            self.db.rollback()


def _sqlite(url: str) -> sqlite3.Connection:
    path = Path(url.removeprefix("sqlite:///").removeprefix("sqlite://"))
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=30000")
    return db


def _postgres(url: str) -> Any:
    try:
        import psycopg
    except ImportError:
        raise ConfigError(
            "DEPSHIELD_DATABASE_URL names PostgreSQL but psycopg is not installed",
            tip="pip install 'depshield[monitor]'",
        ) from None
    try:
        return psycopg.connect(url)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"cannot connect to the dashboard database: {first}") from None
