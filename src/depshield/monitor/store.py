"""The monitor's state in PostgreSQL: feed cursors, one result per release, the MAL- records.

Every effect is keyed by the release (`ecosystem:name@version`): a job that runs twice (a worker
killed after its work, a feed read again after a crash) finds the row and does nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS depshield_monitor_cursor (
    feed TEXT PRIMARY KEY,
    position TEXT NOT NULL,
    updated TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS depshield_monitor_result (
    release TEXT PRIMARY KEY,
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    previous TEXT,
    verdict TEXT NOT NULL,
    digest TEXT,
    alerts JSONB NOT NULL,
    seen TIMESTAMPTZ NOT NULL,
    analysed TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE SEQUENCE IF NOT EXISTS depshield_mal_number;
CREATE TABLE IF NOT EXISTS depshield_mal_record (
    id TEXT PRIMARY KEY,
    release TEXT NOT NULL UNIQUE REFERENCES depshield_monitor_result (release),
    record JSONB NOT NULL,
    published BOOLEAN NOT NULL DEFAULT false
);
"""


@dataclass(frozen=True, slots=True)
class Result:
    release: str
    ecosystem: str
    name: str
    version: str
    previous: str | None
    verdict: str
    digest: str | None
    alerts: list[dict[str, Any]]
    seen: float  # when the feed announced it (epoch seconds): publish-to-verdict latency


class Store:
    def __init__(self, url: str) -> None:
        self.url = url

    @contextmanager
    def connect(self) -> Iterator[Any]:
        import psycopg

        with psycopg.connect(self.url, autocommit=False) as db:
            yield db

    def migrate(self) -> None:
        with self.connect() as db:
            db.execute("SELECT pg_advisory_xact_lock(7212026)")  # one migrator at a time
            db.execute(SCHEMA)

    def cursor(self, feed: str) -> str | None:
        with self.connect() as db:
            row = db.execute(
                "SELECT position FROM depshield_monitor_cursor WHERE feed = %s", (feed,)
            ).fetchone()
        return str(row[0]) if row else None

    def set_cursor(self, feed: str, position: str) -> None:
        with self.connect() as db:
            db.execute(
                "INSERT INTO depshield_monitor_cursor (feed, position) VALUES (%s, %s) "
                "ON CONFLICT (feed) DO UPDATE SET position = EXCLUDED.position, updated = now()",
                (feed, position),
            )

    def has(self, release: str) -> bool:
        with self.connect() as db:
            row = db.execute(
                "SELECT 1 FROM depshield_monitor_result WHERE release = %s", (release,)
            ).fetchone()
        return row is not None

    def record(self, result: Result, mal: dict[str, Any] | None) -> str | None:
        """Store the result (and its MAL- record) once; the record's id when this call made it."""
        with self.connect() as db:
            inserted = db.execute(
                "INSERT INTO depshield_monitor_result (release, ecosystem, name, version, previous,"
                " verdict, digest, alerts, seen) VALUES (%s, %s, %s, %s, %s, %s, %s, %s,"
                " to_timestamp(%s)) ON CONFLICT (release) DO NOTHING RETURNING release",
                (result.release, result.ecosystem, result.name, result.version, result.previous,
                 result.verdict, result.digest, json.dumps(result.alerts), result.seen),
            ).fetchone()  # fmt: skip
            if inserted is None or mal is None:
                return None
            number = db.execute("SELECT nextval('depshield_mal_number')").fetchone()[0]
            year = str(mal["published"])[:4]
            mal_id = f"MAL-{year}-{number}"
            mal = {**mal, "id": mal_id}
            db.execute(
                "INSERT INTO depshield_mal_record (id, release, record) VALUES (%s, %s, %s)",
                (mal_id, result.release, json.dumps(mal)),
            )
        return mal_id

    def unpublished(self) -> list[dict[str, Any]]:
        with self.connect() as db:
            rows = db.execute(
                "SELECT record FROM depshield_mal_record WHERE NOT published ORDER BY id"
            ).fetchall()
        return [row[0] for row in rows]

    def mark_published(self, mal_id: str) -> None:
        with self.connect() as db:
            db.execute("UPDATE depshield_mal_record SET published = true WHERE id = %s", (mal_id,))

    def counts(self) -> dict[str, int]:
        with self.connect() as db:
            results = db.execute("SELECT count(*) FROM depshield_monitor_result").fetchone()[0]
            blocks = db.execute("SELECT count(*) FROM depshield_mal_record").fetchone()[0]
        return {"releases": int(results), "mal_records": int(blocks)}
