"""The durable job queue (SQLite in WAL mode): a delivery is committed before GitHub gets its
2xx, deduplicated by X-GitHub-Delivery, leased while a worker runs it, retried with backoff."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
  delivery TEXT PRIMARY KEY,
  event TEXT NOT NULL,
  installation INTEGER,
  payload BLOB NOT NULL,
  received REAL NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued',
  attempts INTEGER NOT NULL DEFAULT 0,
  not_before REAL NOT NULL DEFAULT 0,
  started REAL,
  lease REAL,
  processed INTEGER NOT NULL DEFAULT 0,
  finished REAL,
  error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_ready ON jobs(state, not_before, received);
CREATE INDEX IF NOT EXISTS jobs_started ON jobs(installation, started);
CREATE TABLE IF NOT EXISTS ignores (
  repo TEXT NOT NULL, pr INTEGER NOT NULL, package TEXT NOT NULL, by TEXT NOT NULL,
  at REAL NOT NULL, PRIMARY KEY (repo, pr, package)
);
CREATE TABLE IF NOT EXISTS pulls (
  repo TEXT NOT NULL, pr INTEGER NOT NULL, comment_id INTEGER, check_id INTEGER,
  base_sha TEXT, head_sha TEXT, applied REAL NOT NULL DEFAULT 0, PRIMARY KEY (repo, pr)
);
CREATE TABLE IF NOT EXISTS installations (
  id INTEGER PRIMARY KEY, account TEXT, state TEXT NOT NULL, at REAL NOT NULL
);
"""
LEASE_SECONDS = 900.0  # a job running longer than this is taken to have lost its worker
IGNORE_ALL = "*"


@dataclass(frozen=True, slots=True)
class Job:
    delivery: str
    event: str
    installation: int | None
    payload: bytes
    attempts: int
    received: float = 0.0


class _Pending:
    """One delivery waiting for the group commit that stores it."""

    __slots__ = ("row", "done", "stored", "error")

    def __init__(self, row: tuple[object, ...]) -> None:
        self.row = row
        self.done = threading.Event()
        self.stored = False
        self.error: sqlite3.Error | None = None


class Queue:
    """One connection per thread; every write is its own committed transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        # One writer at a time inside the process: SQLite's own busy handler sleeps in growing
        # steps when the write lock is taken, which is what made acknowledgements slow.
        self._write = threading.Lock()
        self._pending: list[_Pending] = []
        self._pending_cond = threading.Condition()
        self._writer: threading.Thread | None = None
        self._pull_locks: dict[tuple[str, int], threading.Lock] = {}
        self._guard = threading.Lock()
        with self._db() as db:
            db.executescript(SCHEMA)

    def _exec(self, sql: str, args: tuple[object, ...] = ()) -> sqlite3.Cursor:
        """A write statement, committed on return (autocommit), under the process's lock."""
        with self._write:
            return self._db().execute(sql, args)

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # durable at commit: the 2xx follows it
            db.execute("PRAGMA busy_timeout=30000")
            # No checkpoint on commit (it would stall the deliveries behind it): the workers
            # run one when the queue is idle (`checkpoint`).
            db.execute("PRAGMA wal_autocheckpoint=0")
            self._local.db = db
        return db

    def enqueue(self, delivery: str, event: str, installation: int | None, payload: bytes) -> bool:
        """Store a delivery; False when this delivery id was stored before (a redelivery).

        Group commit: a writer thread stores whatever deliveries are waiting in one
        transaction (one fsync); each caller returns once its own has been committed.
        """
        item = _Pending((delivery, event, installation, payload, time.time()))
        with self._pending_cond:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_loop, daemon=True)
                self._writer.name = "depshield-queue-writer"
                self._writer.start()
            self._pending.append(item)
            self._pending_cond.notify()
        item.done.wait()
        if item.error is not None:
            raise item.error
        return item.stored

    def _write_loop(self) -> None:
        while True:
            with self._pending_cond:
                while not self._pending:
                    self._pending_cond.wait()
                batch, self._pending = self._pending, []
            self._commit(batch)

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            with self._write:
                db = self._db()
                db.execute("BEGIN IMMEDIATE")
                for item in batch:
                    cursor = db.execute(
                        "INSERT OR IGNORE INTO jobs "
                        "(delivery, event, installation, payload, received) "
                        "VALUES (?, ?, ?, ?, ?)",
                        item.row,
                    )
                    item.stored = cursor.rowcount == 1
                db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            for item in batch:
                item.error = exc
        for item in batch:
            item.done.set()

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # no transaction was open
            self._db().execute("ROLLBACK")

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database (PASSIVE: never waits for a writer)."""
        self._db().execute("PRAGMA wal_checkpoint(PASSIVE)")

    def worker_connection(self) -> None:
        """For worker threads: state changes need not wait for fsync. WAL with synchronous
        NORMAL survives a crash of the process; only a power loss may roll back the last
        marks, and the next FULL commit of a delivery makes them durable as well."""
        self._db().execute("PRAGMA synchronous=NORMAL")

    def recover(self) -> int:
        """At start-up: jobs a dead process left running go back to the queue."""
        cursor = self._exec("UPDATE jobs SET state='queued', lease=NULL WHERE state='running'")
        return cursor.rowcount

    def claim(self, rate: int, now: float | None = None) -> Job | None:
        """The oldest ready job (or one whose lease ran out), respecting the per-installation
        rate: an installation that started `rate` jobs in the last minute waits."""
        now = time.time() if now is None else now
        with self._write:  # RETURNING: the row is read before the statement ends
            row = (
                self._db()
                .execute(
                    "UPDATE jobs SET state='running', attempts=attempts+1, started=?, lease=? "
                    "WHERE delivery = (SELECT delivery FROM jobs WHERE "
                    "((state='queued' AND not_before<=?) OR (state='running' AND lease<?)) "
                    "AND (installation IS NULL OR installation NOT IN (SELECT installation "
                    "FROM jobs WHERE started>? AND installation IS NOT NULL GROUP BY installation "
                    "HAVING COUNT(*)>=?)) ORDER BY received LIMIT 1) "
                    "RETURNING delivery, event, installation, payload, attempts, received",
                    (now, now + LEASE_SECONDS, now, now, now - 60.0, rate),
                )
                .fetchone()
            )
        return Job(row[0], row[1], row[2], bytes(row[3]), row[4], row[5]) if row else None

    def done(self, delivery: str, note: str | None = None) -> None:
        self._exec(
            "UPDATE jobs SET state='done', processed=processed+1, finished=?, lease=NULL, "
            "error=? WHERE delivery=?",
            (time.time(), note, delivery),
        )

    def retry(self, delivery: str, error: str, attempts: int, max_attempts: int) -> bool:
        """Back to the queue with exponential backoff; False when it has failed for good."""
        if attempts >= max_attempts:
            self._exec(
                "UPDATE jobs SET state='failed', finished=?, lease=NULL, error=? WHERE delivery=?",
                (time.time(), error, delivery),
            )
            return False
        delay = min(2.0**attempts, 300.0)
        self._exec(
            "UPDATE jobs SET state='queued', not_before=?, lease=NULL, error=? WHERE delivery=?",
            (time.time() + delay, error, delivery),
        )
        return True

    def counts(self) -> dict[str, int]:
        rows = self._db().execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall()
        return {str(state): int(n) for state, n in rows}

    # pull-request state and comment commands ---------------------------------------------

    def pull(self, repo: str, pr: int) -> tuple[int | None, int | None, str | None, str | None]:
        row = (
            self._db()
            .execute(
                "SELECT comment_id, check_id, base_sha, head_sha FROM pulls WHERE repo=? AND pr=?",
                (repo, pr),
            )
            .fetchone()
        )
        return (row[0], row[1], row[2], row[3]) if row else (None, None, None, None)

    def save_pull(
        self, repo: str, pr: int, *, comment_id: int | None = None, check_id: int | None = None,
        base_sha: str | None = None, head_sha: str | None = None,
    ) -> None:  # fmt: skip
        self._exec(
            "INSERT INTO pulls (repo, pr, comment_id, check_id, base_sha, head_sha) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (repo, pr) DO UPDATE SET "
            "comment_id=COALESCE(excluded.comment_id, comment_id), "
            "check_id=COALESCE(excluded.check_id, check_id), "
            "base_sha=COALESCE(excluded.base_sha, base_sha), "
            "head_sha=COALESCE(excluded.head_sha, head_sha)",
            (repo, pr, comment_id, check_id, base_sha, head_sha),
        )

    def applied(self, repo: str, pr: int) -> float:
        """When the delivery whose result the comment shows was received (0: none yet)."""
        row = (
            self._db()
            .execute("SELECT applied FROM pulls WHERE repo=? AND pr=?", (repo, pr))
            .fetchone()
        )
        return float(row[0]) if row else 0.0

    def set_applied(self, repo: str, pr: int, received: float) -> None:
        self._exec("UPDATE pulls SET applied=? WHERE repo=? AND pr=?", (received, repo, pr))

    def add_ignore(self, repo: str, pr: int, package: str, by: str) -> None:
        self._exec(
            "INSERT OR REPLACE INTO ignores (repo, pr, package, by, at) VALUES (?, ?, ?, ?, ?)",
            (repo, pr, package, by, time.time()),
        )

    def ignores(self, repo: str, pr: int) -> list[tuple[str, str]]:
        rows = (
            self._db()
            .execute(
                "SELECT package, by FROM ignores WHERE repo=? AND pr=? ORDER BY at", (repo, pr)
            )
            .fetchall()
        )
        return [(str(p), str(b)) for p, b in rows]

    def set_installation(self, installation: int, account: str, state: str) -> None:
        self._exec(
            "INSERT OR REPLACE INTO installations (id, account, state, at) VALUES (?, ?, ?, ?)",
            (installation, account, state, time.time()),
        )

    def pull_lock(self, repo: str, pr: int) -> threading.Lock:
        """One worker thread at a time on a pull request (the workers share this process)."""
        with self._guard:
            return self._pull_locks.setdefault((repo, pr), threading.Lock())

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
