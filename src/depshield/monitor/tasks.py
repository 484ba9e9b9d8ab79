"""The units of work, as procrastinate tasks on PostgreSQL: any number of `depshield worker`
processes on any number of machines take them; a job killed halfway is retried (at least once),
and its effects are keyed by release, so they happen once."""

from __future__ import annotations

import functools
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import procrastinate

from depshield.errors import ConfigError
from depshield.model import ecosystem_of
from depshield.monitor.analyse import judge_release
from depshield.monitor.osv import announce, mal_record, write_record
from depshield.monitor.store import Result, Store
from depshield.server.tasks import blueprint as webhooks

QUEUE = "depshield-monitor"
DATABASE_ENV = "DEPSHIELD_DATABASE_URL"
OSV_DIR_ENV = "DEPSHIELD_MONITOR_OSV_DIR"
WEBHOOK_ENV = "DEPSHIELD_MONITOR_WEBHOOK"


@dataclass(frozen=True, slots=True)
class Settings:
    database: str
    osv_dir: Path | None
    webhook: str | None

    @classmethod
    def from_env(cls) -> Settings:

        database = os.environ.get(DATABASE_ENV, "").strip()
        if not database.startswith(("postgresql://", "postgres://")):
            raise ConfigError(
                f"{DATABASE_ENV} is not set to a postgresql:// URL",
                tip="the monitor and its workers share one PostgreSQL database (docs/deploy.md)",
            )
        osv_dir = os.environ.get(OSV_DIR_ENV, "").strip()
        webhook = os.environ.get(WEBHOOK_ENV, "").strip()
        return cls(database, Path(osv_dir) if osv_dir else None, webhook or None)


@functools.cache
def make_app(database: str) -> procrastinate.App:
    """One app a process: a blueprint's tasks are bound to the first app that takes them."""

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=database))
    app.add_tasks_from(blueprint, namespace="depshield")
    app.add_tasks_from(webhooks, namespace="depshield")
    return app


blueprint = procrastinate.Blueprint()


@blueprint.task(
    name="analyse_release",
    queue=QUEUE,
    retry=procrastinate.RetryStrategy(max_attempts=4, wait=2, exponential_wait=2),
)
def analyse_release(ecosystem: str, name: str, version: str | None, seen: float) -> str:
    """Fetch, analyse and diff one release against the one before it; record the verdict once;
    a block becomes a MAL- record, published to the folder and the webhook."""
    settings = Settings.from_env()
    store = Store(settings.database)

    judged = judge_release(ecosystem_of(ecosystem), name, version)
    if judged is None:
        return "gone"
    release = f"{ecosystem}:{judged.result.ref.name}@{judged.result.ref.version}"
    if store.has(release):
        return "already recorded"
    result = judged.result
    mal = mal_record(result) if result.verdict == "block" else None
    store.record(
        Result(
            release=release,
            ecosystem=ecosystem,
            name=result.ref.name,
            version=str(result.ref.version),
            previous=judged.previous,
            verdict=result.verdict,
            digest=result.digest,
            alerts=[_alert(a) for a in result.alerts if a.action in ("error", "warn")],
            seen=seen,
        ),
        mal,
    )
    publish_pending(store, settings)
    return result.verdict


def publish_pending(store: Store, settings: Settings) -> int:
    """Write and announce the records not yet published (also after a crash between the commit
    and the announcement: the monitor calls this on every pass)."""

    done = 0
    for record in store.unpublished():
        if settings.osv_dir is not None:
            write_record(settings.osv_dir, record)
        if settings.webhook:
            announce(settings.webhook, record)
        store.mark_published(record["id"])
        done += 1
    return done


def _alert(alert: Any) -> dict[str, Any]:
    return {"type": alert.type, "action": alert.action, "file": alert.file, "line": alert.line}


def waiting(database: str) -> int:
    """Jobs of the monitor's queue not yet started: the monitor's backpressure signal."""
    import psycopg

    with psycopg.connect(database) as db:
        row = db.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE queue_name = %s AND status = 'todo'",
            (QUEUE,),
        ).fetchone()
    return int(row[0]) if row else 0


def now() -> float:
    return time.time()
