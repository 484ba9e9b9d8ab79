"""The service's state behind one interface, with two backends: SQLite (the embedded default,
`server/queue.py`) and PostgreSQL (`DEPSHIELD_DATABASE_URL`), where a delivery is stored and its
procrastinate job deferred in one transaction, and `depshield worker` processes run the jobs."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from depshield.engine import apply_engine_schema
from depshield.errors import DepshieldError
from depshield.server.queue import Job, Queue

if TYPE_CHECKING:
    from depshield.server.config import ServerConfig
    from depshield.server.queue import Job

T = TypeVar("T")
WEBHOOK_QUEUE = "depshield-webhooks"
WEBHOOK_TASK = "depshield:handle_delivery"  # server/tasks.py, in the "depshield" namespace
# Ours, versioned: (version, SQL). Applied in order, each once, under an advisory lock; the
# procrastinate tables come from procrastinate's own schema (engine.apply_engine_schema).
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE depshield_deliveries (
          delivery TEXT PRIMARY KEY, event TEXT NOT NULL, installation BIGINT,
          payload BYTEA NOT NULL, received DOUBLE PRECISION NOT NULL,
          state TEXT NOT NULL DEFAULT 'queued', attempts INTEGER NOT NULL DEFAULT 0,
          processed INTEGER NOT NULL DEFAULT 0, job_id BIGINT, finished DOUBLE PRECISION,
          error TEXT
        );
        CREATE TABLE depshield_ignores (
          repo TEXT NOT NULL, pr INTEGER NOT NULL, package TEXT NOT NULL, by_user TEXT NOT NULL,
          at DOUBLE PRECISION NOT NULL, PRIMARY KEY (repo, pr, package)
        );
        CREATE TABLE depshield_pulls (
          repo TEXT NOT NULL, pr INTEGER NOT NULL, comment_id BIGINT, check_id BIGINT,
          base_sha TEXT, head_sha TEXT, applied DOUBLE PRECISION NOT NULL DEFAULT 0,
          PRIMARY KEY (repo, pr)
        );
        CREATE TABLE depshield_installations (
          id BIGINT PRIMARY KEY, account TEXT, state TEXT NOT NULL, at DOUBLE PRECISION NOT NULL
        );
        """,
    ),
    (
        2,
        """
        CREATE TABLE depshield_analyses (
          digest TEXT NOT NULL, analyzer TEXT NOT NULL, payload BYTEA NOT NULL,
          created TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (digest, analyzer)
        );
        """,
    ),
)
MIGRATION_LOCK = 7212028  # pg_advisory_xact_lock key: one migrator at a time


def __getattr__(name: str) -> Any:
    if name == "SqliteStore":  # the embedded backend: the SQLite queue, unchanged
        from depshield.server.queue import Queue

        return Queue
    raise AttributeError(name)


class StoreError(DepshieldError):
    """The database could not be reached or refused a statement."""

    exit_code = 3


class Store(Protocol):
    """What the web app and the job handler need, whichever database holds it."""

    def enqueue(
        self, delivery: str, event: str, installation: int | None, payload: bytes
    ) -> bool: ...
    def counts(self) -> dict[str, int]: ...
    def pull(self, repo: str, pr: int) -> tuple[int | None, int | None, str | None, str | None]: ...
    def save_pull(
        self, repo: str, pr: int, *, comment_id: int | None = None, check_id: int | None = None,
        base_sha: str | None = None, head_sha: str | None = None,
    ) -> None: ...  # fmt: skip
    def applied(self, repo: str, pr: int) -> float: ...
    def set_applied(self, repo: str, pr: int, received: float) -> None: ...
    def add_ignore(self, repo: str, pr: int, package: str, by: str) -> None: ...
    def ignores(self, repo: str, pr: int) -> list[tuple[str, str]]: ...
    def set_installation(self, installation: int, account: str, state: str) -> None: ...
    def pull_lock(self, repo: str, pr: int) -> AbstractContextManager[Any]: ...
    def close(self) -> None: ...


def open_store(config: ServerConfig) -> Store:
    if config.database_url:
        return PostgresStore(config.database_url)

    return Queue(config.database)


class PostgresStore:
    """One autocommit connection per thread; the delivery and its job share one transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        self.migrate()

    # connections ----------------------------------------------------------------------------

    def _connect(self, autocommit: bool) -> Any:
        import psycopg

        try:
            return psycopg.connect(self.url, autocommit=autocommit, connect_timeout=30)
        except psycopg.Error as exc:
            raise _store_error(exc) from None

    def _call(self, work: Callable[[Any], T]) -> T:
        """`work` on this thread's connection (autocommit: each statement, or each
        `transaction()` block, commits on return); a connection the server dropped (a restart,
        a failover) is opened again once."""
        import psycopg

        for attempt in (1, 2):
            db = getattr(self._local, "db", None)
            if db is None or db.closed:
                db = self._local.db = self._connect(autocommit=True)
            try:
                return work(db)
            except psycopg.OperationalError as exc:
                self._local.db = None
                if attempt == 2 or not db.closed:
                    raise _store_error(exc) from None
            except psycopg.Error as exc:
                raise _store_error(exc) from None
        raise AssertionError("unreachable")

    def _run(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        def run(db: Any) -> list[tuple[Any, ...]]:
            cursor = db.execute(sql, args)
            return list(cursor.fetchall()) if cursor.description else []

        return self._call(run)

    def migrate(self) -> None:
        """Our tables at their newest version, then procrastinate's schema if it is missing."""
        with self._connect(autocommit=False) as db:
            db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            db.execute(
                "CREATE TABLE IF NOT EXISTS depshield_schema_migrations (version INTEGER "
                "PRIMARY KEY, applied TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            row = db.execute("SELECT max(version) FROM depshield_schema_migrations").fetchone()
            current = int(row[0]) if row and row[0] is not None else 0
            for version, sql in MIGRATIONS:
                if version > current:
                    db.execute(sql)
                    db.execute(
                        "INSERT INTO depshield_schema_migrations (version) VALUES (%s)", (version,)
                    )

        apply_engine_schema(self.url)

    # deliveries -----------------------------------------------------------------------------

    def enqueue(self, delivery: str, event: str, installation: int | None, payload: bytes) -> bool:
        """Store the delivery and defer its job in ONE transaction; False for a redelivery.
        The caller answers 2xx only after this returns, so after the commit. (Run again after
        a connection lost at commit, it finds the row: stored once either way.)"""
        row = (delivery, event, installation, payload, time.time())
        args = json.dumps({"delivery": delivery})

        def store(db: Any) -> bool:
            with db.transaction():
                stored = db.execute(
                    "INSERT INTO depshield_deliveries (delivery, event, installation, payload, "
                    "received) VALUES (%s, %s, %s, %s, %s) ON CONFLICT (delivery) DO NOTHING "
                    "RETURNING delivery",
                    row,
                ).fetchone()
                if stored is None:
                    return False
                # procrastinate's own (versioned) defer function, so the job is in this
                # transaction: no job without its delivery, no delivery without its job.
                job = db.execute(
                    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(%s, %s, 0, NULL, NULL, "
                    "%s::jsonb, NULL)::procrastinate_job_to_defer_v1]))",
                    (WEBHOOK_QUEUE, WEBHOOK_TASK, args),
                ).fetchone()
                db.execute(
                    "UPDATE depshield_deliveries SET job_id=%s WHERE delivery=%s",
                    (job[0] if job else None, delivery),
                )
            return True

        return self._call(store)

    def start(self, delivery: str) -> Job | None:
        """A worker takes the delivery; None when it is done already (a job run again after
        its worker was killed between the effect and procrastinate's bookkeeping)."""

        rows = self._run(
            "UPDATE depshield_deliveries SET state='running', attempts=attempts+1 "
            "WHERE delivery=%s AND state NOT IN ('done', 'failed') "
            "RETURNING delivery, event, installation, payload, attempts, received",
            (delivery,),
        )
        if not rows:
            return None
        row = rows[0]
        return Job(row[0], row[1], row[2], bytes(row[3]), row[4], row[5])

    def done(self, delivery: str, note: str | None = None) -> None:
        self._run(
            "UPDATE depshield_deliveries SET state='done', processed=processed+1, finished=%s, "
            "error=%s WHERE delivery=%s",
            (time.time(), note, delivery),
        )

    def failed(self, delivery: str, error: str, final: bool) -> None:
        """An attempt failed: back to 'queued' for procrastinate's retry, or 'failed' for good."""
        self._run(
            "UPDATE depshield_deliveries SET state=%s, error=%s, finished=%s WHERE delivery=%s",
            ("failed" if final else "queued", error, time.time() if final else None, delivery),
        )

    def counts(self) -> dict[str, int]:
        rows = self._run("SELECT state, count(*) FROM depshield_deliveries GROUP BY state")
        return {str(state): int(n) for state, n in rows}

    # pull requests, ignores, installations --------------------------------------------------

    def pull(self, repo: str, pr: int) -> tuple[int | None, int | None, str | None, str | None]:
        rows = self._run(
            "SELECT comment_id, check_id, base_sha, head_sha FROM depshield_pulls "
            "WHERE repo=%s AND pr=%s",
            (repo, pr),
        )
        if not rows:
            return None, None, None, None
        return rows[0][0], rows[0][1], rows[0][2], rows[0][3]

    def save_pull(
        self, repo: str, pr: int, *, comment_id: int | None = None, check_id: int | None = None,
        base_sha: str | None = None, head_sha: str | None = None,
    ) -> None:  # fmt: skip
        self._run(
            "INSERT INTO depshield_pulls (repo, pr, comment_id, check_id, base_sha, head_sha) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (repo, pr) DO UPDATE SET "
            "comment_id=COALESCE(EXCLUDED.comment_id, depshield_pulls.comment_id), "
            "check_id=COALESCE(EXCLUDED.check_id, depshield_pulls.check_id), "
            "base_sha=COALESCE(EXCLUDED.base_sha, depshield_pulls.base_sha), "
            "head_sha=COALESCE(EXCLUDED.head_sha, depshield_pulls.head_sha)",
            (repo, pr, comment_id, check_id, base_sha, head_sha),
        )

    def applied(self, repo: str, pr: int) -> float:
        rows = self._run("SELECT applied FROM depshield_pulls WHERE repo=%s AND pr=%s", (repo, pr))
        return float(rows[0][0]) if rows else 0.0

    def set_applied(self, repo: str, pr: int, received: float) -> None:
        self._run(
            "UPDATE depshield_pulls SET applied=%s WHERE repo=%s AND pr=%s", (received, repo, pr)
        )

    def add_ignore(self, repo: str, pr: int, package: str, by: str) -> None:
        self._run(
            "INSERT INTO depshield_ignores (repo, pr, package, by_user, at) VALUES "
            "(%s, %s, %s, %s, %s) ON CONFLICT (repo, pr, package) DO UPDATE SET "
            "by_user=EXCLUDED.by_user, at=EXCLUDED.at",
            (repo, pr, package, by, time.time()),
        )

    def ignores(self, repo: str, pr: int) -> list[tuple[str, str]]:
        rows = self._run(
            "SELECT package, by_user FROM depshield_ignores WHERE repo=%s AND pr=%s ORDER BY at",
            (repo, pr),
        )
        return [(str(p), str(b)) for p, b in rows]

    def set_installation(self, installation: int, account: str, state: str) -> None:
        self._run(
            "INSERT INTO depshield_installations (id, account, state, at) VALUES "
            "(%s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET account=EXCLUDED.account, "
            "state=EXCLUDED.state, at=EXCLUDED.at",
            (installation, account, state, time.time()),
        )

    @contextmanager
    def pull_lock(self, repo: str, pr: int) -> Iterator[None]:
        """One worker at a time on a pull request, across processes and machines: a
        transaction-scoped advisory lock, held on a connection of its own while the pull
        request's row is read and updated (released by the commit, or by a killed worker's
        connection closing)."""
        db = getattr(self._local, "lock_db", None)
        if db is None or db.closed:
            db = self._local.lock_db = self._connect(autocommit=False)
        import psycopg

        try:
            db.execute("SELECT pg_advisory_xact_lock(hashtext(%s), %s)", (repo, pr))
        except psycopg.Error as exc:
            self._local.lock_db = None
            raise _store_error(exc) from None
        try:
            yield
        finally:
            try:
                db.commit()
            except psycopg.Error:
                self._local.lock_db = None

    def close(self) -> None:
        for name in ("db", "lock_db"):
            db = getattr(self._local, name, None)
            if db is not None:
                db.close()
                setattr(self._local, name, None)


def _store_error(exc: Exception) -> StoreError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return StoreError(
        f"the service database refused or dropped the request: {first}",
        tip="check DEPSHIELD_DATABASE_URL and that PostgreSQL is up",
    )
