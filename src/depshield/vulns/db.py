"""The SQLite store of OSV records at $DEPSHIELD_HOME/osv.sqlite, indexed by package name."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from depshield.vulns import default_db_path
from depshield.vulns.base import DbStatus, VulnDbError
from depshield.vulns.osv import OsvRecord

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,            -- first-seen order, kept across updates
    modified TEXT NOT NULL,          -- normalised UTC, comparable as text
    withdrawn INTEGER NOT NULL,
    malicious INTEGER NOT NULL,
    source TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS packages (
    ecosystem TEXT NOT NULL,
    name_key TEXT NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (ecosystem, name_key, record_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS packages_by_record ON packages (record_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


# Bumped by every commit made in this process, so matchers notice in-process imports at once
# (imports by other processes are noticed through SQLite's data_version, checked now and then).
_generation = 0


def generation() -> int:
    return _generation


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class VulnStore:
    """One connection to the database; safe to share between threads (calls are serialised)."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        self._lock = threading.RLock()
        self._next_seq = 0

    @classmethod
    def open(cls, path: Path | None = None, *, create: bool = False) -> VulnStore:
        """Open the database; with `create` make it (and its folder) when missing."""
        path = path or default_db_path()
        if not create and not path.is_file():
            raise VulnDbError(
                f"no vulnerability database at {str(path)!r}",
                tip="run `depshield db import PATH` or `depshield db update` first",
            )
        try:
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit mode: transactions are begun explicitly, one per import.
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA busy_timeout = 10000")
            if create:
                connection.execute("PRAGMA journal_mode = WAL")
                connection.executescript(_SCHEMA)
            store = cls(path, connection)
            store._check_schema(create)
        except (sqlite3.Error, OSError) as exc:
            raise VulnDbError(
                f"cannot open vulnerability database {str(path)!r}: {exc}",
                tip="delete the file and import the data again",
            ) from None
        return store

    def close(self) -> None:
        self._db.close()

    def _check_schema(self, create: bool) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None and create:
            self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        elif row is None or row[0] != SCHEMA_VERSION:
            raise sqlite3.DatabaseError(f"schema {row[0] if row else 'missing'} is not supported")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                row = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()
                self._next_seq = int(row[0]) + 1
                yield
                self._db.execute("COMMIT")
                global _generation
                _generation += 1
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def upsert(self, record: OsvRecord, source: str) -> str:
        """Insert or replace one record by id, keeping the newer `modified`; says which."""
        row = self._db.execute("SELECT modified FROM records WHERE id = ?", (record.id,)).fetchone()
        if row is not None and row[0] >= record.modified:
            return "unchanged"
        values = (
            record.modified,
            int(record.withdrawn),
            int(record.malicious),
            source,
            _now(),
            record.body,
            record.id,
        )
        if row is None:
            self._db.execute(
                "INSERT INTO records (modified, withdrawn, malicious, source, imported_at, body,"
                " id, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, self._next_seq),
            )
            self._next_seq += 1
        else:
            self._db.execute(
                "UPDATE records SET modified = ?, withdrawn = ?, malicious = ?, source = ?,"
                " imported_at = ?, body = ? WHERE id = ?",
                values,
            )
            self._db.execute("DELETE FROM packages WHERE record_id = ?", (record.id,))
        self._db.executemany(
            "INSERT OR IGNORE INTO packages VALUES (?, ?, ?)",
            [(eco, key, record.id) for eco, key in record.packages],
        )
        return "new" if row is None else "updated"

    def record_import(self, sources: list[str]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [("last_import", _now()), ("last_sources", "\n".join(sources))],
        )

    def records_for(self, ecosystem: str, name_key: str) -> list[tuple[str, int, str]]:
        """(id, seq, body) of the records naming this package, withdrawn ones left out."""
        with self._lock:
            return self._db.execute(
                "SELECT r.id, r.seq, r.body FROM packages p JOIN records r ON r.id = p.record_id"
                " WHERE p.ecosystem = ? AND p.name_key = ? AND r.withdrawn = 0 ORDER BY r.seq",
                (ecosystem, name_key),
            ).fetchall()

    def has_records(self) -> bool:
        with self._lock:
            row = self._db.execute("SELECT EXISTS (SELECT 1 FROM records)").fetchone()
            return bool(row[0])

    def data_version(self) -> int:
        """Changes whenever another connection commits, so caches know to start again."""
        with self._lock:
            return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def status(self) -> DbStatus:
        with self._lock:
            db = self._db
            per = db.execute(
                "SELECT ecosystem, COUNT(DISTINCT record_id) FROM packages"
                " GROUP BY ecosystem ORDER BY ecosystem"
            ).fetchall()
            total, malicious, withdrawn = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(malicious), 0), COALESCE(SUM(withdrawn), 0)"
                " FROM records"
            ).fetchone()
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        return DbStatus(
            path=self.path,
            exists=True,
            records=int(total),
            per_ecosystem=tuple((str(e), int(n)) for e, n in per),
            malicious=int(malicious),
            withdrawn=int(withdrawn),
            last_import=meta.get("last_import"),
            sources=tuple(s for s in meta.get("last_sources", "").split("\n") if s),
        )
