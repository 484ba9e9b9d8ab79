"""The monitor's loop: read each configured feed from its durable cursor, enqueue one job per
new release (a queueing lock per release keeps duplicates out of the queue), move the cursor
only after the page is enqueued, and hold back while the workers are behind."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from depshield.engine import apply_engine_schema
from depshield.monitor.feeds import Page
from depshield.monitor.store import Store
from depshield.monitor.tasks import QUEUE, Settings, make_app, publish_pending, waiting
from depshield.server.store import WEBHOOK_QUEUE, PostgresStore

Pages = Callable[[str | None], Iterator[Page]]


@dataclass(frozen=True, slots=True)
class Options:
    once: bool = False  # stop when every feed is caught up
    max_pages: int | None = None  # stop after this many pages (tests: a crash halfway)
    max_waiting: int = 1000  # backpressure: pause while more jobs than this wait
    poll: float = 30.0


def prepare(settings: Settings) -> Store:
    """Both schemas, applied once whoever starts first (advisory locks serialise them)."""

    store = Store(settings.database)
    store.migrate()
    apply_engine_schema(settings.database)
    return store


def follow(settings: Settings, feeds: dict[str, Pages], options: Options) -> int:
    """Returns the number of releases enqueued."""
    from procrastinate.exceptions import AlreadyEnqueued

    store = prepare(settings)
    app = make_app(settings.database)
    enqueued = pages = 0
    with app.open():
        task = app.tasks["depshield:analyse_release"]
        while True:
            for key, read in feeds.items():
                for page in read(store.cursor(key)):
                    while waiting(settings.database) > options.max_waiting:
                        time.sleep(min(options.poll, 5.0))
                    seen = time.time()
                    for event in page.events:
                        lock = f"{event.ecosystem}:{event.name}@{event.version or 'latest'}"
                        try:
                            task.configure(queueing_lock=lock).defer(
                                ecosystem=event.ecosystem,
                                name=event.name,
                                version=event.version,
                                seen=seen,
                            )
                            enqueued += 1
                        except AlreadyEnqueued:
                            pass  # the same release already waits for a worker
                    store.set_cursor(key, page.position)
                    pages += 1
                    if options.max_pages is not None and pages >= options.max_pages:
                        return enqueued
            publish_pending(store, settings)
            if options.once:
                return enqueued
            time.sleep(options.poll)


def work(settings: Settings, *, concurrency: int, once: bool, stalled_after: float = 30.0) -> None:
    """A worker: takes monitor and webhook jobs until stopped (or, with `once`, until the queues
    are empty). Jobs a killed worker held (no heartbeat for `stalled_after` seconds) are put back
    at start and then every `stalled_after` seconds, so a live worker takes them over."""
    import asyncio

    prepare(settings)
    PostgresStore(settings.database).close()  # the service's tables, migrated
    app = make_app(settings.database)
    asyncio.run(_run(app, concurrency, once, stalled_after))


async def _run(app: Any, concurrency: int, once: bool, stalled_after: float) -> None:
    import asyncio

    queues = [QUEUE, WEBHOOK_QUEUE]
    async with app.open_async():
        await _requeue_stalled(app, queues, stalled_after)
        sweeper = asyncio.create_task(_sweep(app, queues, stalled_after))
        try:
            await app.run_worker_async(
                queues=queues,
                concurrency=concurrency,
                wait=not once,
                install_signal_handlers=True,
                update_heartbeat_interval=max(0.5, stalled_after / 3),
                stalled_worker_timeout=stalled_after,
            )
        finally:
            sweeper.cancel()


async def _sweep(app: Any, queues: list[str], stalled_after: float) -> None:
    import asyncio

    while True:
        await asyncio.sleep(stalled_after)
        await _requeue_stalled(app, queues, stalled_after)


async def _requeue_stalled(app: Any, queues: list[str], stalled_after: float) -> None:
    for queue in queues:
        stalled = await app.job_manager.get_stalled_jobs(
            queue=queue, seconds_since_heartbeat=stalled_after
        )
        for job in stalled:
            await app.job_manager.retry_job(job)
