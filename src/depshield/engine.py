"""The job engine's own tables: procrastinate's schema, applied once on a fresh database.

Neutral ground for the service's store and the monitor: it names no task, so neither side
imports the other to create the schema (their tasks are joined in `monitor.tasks.make_app`).
"""

from __future__ import annotations

ENGINE_LOCK = 7212027  # pg_advisory_lock key: one process applies procrastinate's schema


def apply_engine_schema(database: str) -> None:
    """procrastinate's tables on a fresh database, applied once whoever starts first (its
    upgrades are its own versioned SQL migrations: docs/deploy.md)."""
    import procrastinate
    import psycopg

    with psycopg.connect(database, autocommit=True) as db:
        db.execute("SELECT pg_advisory_lock(%s)", (ENGINE_LOCK,))
        try:
            exists = db.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
            if not exists or exists[0] is None:
                app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=database))
                with app.open():
                    app.schema_manager.apply_schema()
        finally:
            db.execute("SELECT pg_advisory_unlock(%s)", (ENGINE_LOCK,))
