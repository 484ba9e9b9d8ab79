"""A tiny connection adapter: the same portable SQL (`?` placeholders) on SQLite or PostgreSQL.

SQLite is the default (a file next to the service's queue); `postgresql://` URLs go through
psycopg 3. Only the placeholder style differs between the two for the SQL the store uses.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from depshield.errors import ConfigError

Row = tuple[Any, ...]


MAX_IDLE = 8  # connections kept for reuse; more are opened under load and closed after


class Database:
    """A small pool of connections, borrowed for one call each: a request served on a short-lived
    thread (Starlette's thread pool) neither opens a connection per thread nor leaks one. Every
    `execute`/`many`/`batch` call is its own committed transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith(("postgresql://", "postgres://"))
        self._idle: list[Any] = []
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def _borrow(self) -> Iterator[Any]:
        with self._lock:
            db = self._idle.pop() if self._idle else None
        if db is None:
            db = _postgres(self.url) if self.postgres else _sqlite(self.url)
        try:
            yield db
        except BaseException:
            db.close()  # whatever state it was left in is not handed to the next caller
            raise
        with self._lock:
            if len(self._idle) < MAX_IDLE:
                self._idle.append(db)
                return
        db.close()

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    def script(self, statements: str) -> None:
        """Several `;`-separated statements (a schema), committed together."""
        with self._borrow() as db, _transaction(db, self.postgres):
            for statement in filter(str.strip, statements.split(";")):
                db.execute(statement)

    def execute(self, sql: str, args: Sequence[Any] = ()) -> None:
        self.many(sql, [args])

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.batch([(sql, rows)])

    def batch(self, steps: Sequence[tuple[str, Iterable[Sequence[Any]]]]) -> None:
        """Several statements, each over its rows, in one transaction (a run is all or none)."""
        with self._borrow() as db, _transaction(db, self.postgres):
            cursor = db.cursor()
            for sql, rows in steps:
                batch = [tuple(r) for r in rows]
                if batch:
                    cursor.executemany(self._sql(sql), batch)

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        with self._borrow() as db:
            rows = [tuple(r) for r in db.execute(self._sql(sql), tuple(args)).fetchall()]
            if self.postgres:
                db.commit()  # end the read transaction: the next read sees new runs
            return rows

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for db in idle:
            db.close()


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
