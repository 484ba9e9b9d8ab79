"""The webhook job as a procrastinate task: `depshield serve` defers it with the delivery (one
transaction, server/store.py); any `depshield worker` runs it. At least once, effects once: a
delivery already done is not run again, and the pull request's effects go through its lock."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import procrastinate

from depshield.dashboard.store import ResultsStore
from depshield.errors import ConfigError
from depshield.server.config import from_env
from depshield.server.jobs import Handler
from depshield.server.logs import Timer, log
from depshield.server.store import WEBHOOK_QUEUE, PostgresStore

if TYPE_CHECKING:
    from depshield.server.jobs import Handler
    from depshield.server.store import PostgresStore

MAX_ATTEMPTS = 5  # as the SQLite queue's default (ServerConfig.max_attempts)

blueprint = procrastinate.Blueprint()


@functools.cache
def _handler() -> tuple[Handler, PostgresStore]:
    """One handler a worker process (its installation tokens are cached across jobs)."""

    config = from_env()
    if not config.database_url:
        raise ConfigError("DEPSHIELD_DATABASE_URL is not set to a postgresql:// URL")

    store = PostgresStore(config.database_url)
    # What the dashboard shows, in its own tables of the same database (dashboard/store.py).
    return Handler(config, store, results=ResultsStore(config.database_url)), store


@blueprint.task(
    name="handle_delivery",
    queue=WEBHOOK_QUEUE,
    retry=procrastinate.RetryStrategy(max_attempts=MAX_ATTEMPTS, wait=2, exponential_wait=2),
    pass_context=True,
)
def handle_delivery(context: procrastinate.JobContext, delivery: str) -> str:

    handler, store = _handler()
    job = store.start(delivery)
    if job is None:
        return "already done"
    timer = Timer()
    fields = {"delivery": job.delivery, "event": job.event, "attempt": job.attempts}
    try:
        note = handler.handle(job)
    except Exception as exc:
        error = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
        # procrastinate counts the attempts before this one: no retry once they reach the cap
        store.failed(delivery, error, final=context.job.attempts >= MAX_ATTEMPTS)
        log().warning("job failed", extra={**fields, "error": error, "ms": timer.ms()})
        raise
    store.done(delivery, note)
    log().info("job done", extra={**fields, "note": note, "duration_ms": timer.ms()})
    return note
