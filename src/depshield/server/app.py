"""The ASGI app: POST /webhook (verify, limit, persist, answer), GET /healthz and the dashboard
(depshield.dashboard: every other GET)."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from depshield.dashboard.config import from_env
from depshield.dashboard.pages import Dashboard
from depshield.dashboard.store import ResultsStore
from depshield.server.config import ServerConfig
from depshield.server.jobs import Handler
from depshield.server.logs import Timer, log
from depshield.server.queue import Queue
from depshield.server.store import StoreError, open_store
from depshield.server.worker import Workers

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from depshield.dashboard.config import DashboardConfig
    from depshield.server.store import Store
    from depshield.server.worker import Workers

# Events a job is queued for; anything else is answered and dropped.
QUEUED_EVENTS = ("pull_request", "issue_comment", "installation", "installation_repositories")


def verify_signature(secret: bytes, body: bytes, header: str | None) -> bool:
    """X-Hub-Signature-256: `sha256=` + HMAC-SHA256 of the raw body, compared in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it grows past `limit` (never buffered beyond it)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(
    config: ServerConfig, *, start_workers: bool = True, dashboard: DashboardConfig | None = None
) -> Starlette:
    from starlette.applications import Starlette
    from starlette.routing import Route

    queue = open_store(config)
    dashboard = dashboard or from_env(config.database)
    results = ResultsStore(dashboard.database_url)
    # On SQLite the service runs its jobs in threads; on PostgreSQL `depshield worker` does
    # (server/tasks.py records into the same results store).
    handler = Handler(config, queue, results=results)
    workers = Workers(config, queue, handler) if isinstance(queue, Queue) else None

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if start_workers and workers is not None:
            workers.start()
        log().info("service started", extra={"workers": config.workers if workers else 0})
        try:
            yield
        finally:
            if workers is not None:
                workers.stop()
            results.close()

    async def webhook(request: Request) -> Response:
        return await receive(request, config, queue, workers)

    async def healthz(request: Request) -> Response:
        return await health(queue)

    app = Starlette(
        routes=[
            Route("/webhook", webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            *Dashboard(dashboard, results).routes(),
        ],
        lifespan=lifespan,
    )
    app.state.queue, app.state.workers, app.state.results = queue, workers, results
    return app


async def receive(
    request: Request, config: ServerConfig, queue: Store, workers: Workers | None
) -> Response:
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse

    timer = Timer()
    body = await read_limited(request, config.max_payload)
    if body is None:
        return _answer(413, "payload too large", timer)
    if not verify_signature(
        config.webhook_secret, body, request.headers.get("x-hub-signature-256")
    ):
        return _answer(401, "bad or missing signature", timer)
    event = request.headers.get("x-github-event", "")
    delivery = request.headers.get("x-github-delivery", "")
    if not event or not delivery or len(delivery) > 100:
        return _answer(400, "missing X-GitHub-Event or X-GitHub-Delivery", timer)
    if event not in QUEUED_EVENTS:
        return _answer(202, f"event {event!r} not handled", timer, delivery=delivery)
    try:
        payload = json.loads(body)
        installation = (payload.get("installation") or {}).get("id")
    except (ValueError, AttributeError):
        return _answer(400, "the body is not a JSON object", timer)
    try:
        new = await run_in_threadpool(
            queue.enqueue, delivery, event, installation if isinstance(installation, int) else None,
            body,
        )  # fmt: skip
    except (StoreError, sqlite3.Error) as exc:
        # Not stored, so not acknowledged: GitHub shows the failure and it can be redelivered.
        log().error("delivery not stored", extra={"delivery": delivery, "error": str(exc)})
        return _answer(503, "the delivery could not be stored", timer, delivery=delivery)
    if new and workers is not None:
        workers.wake.set()
    response = JSONResponse(
        {"delivery": delivery, "queued": new, "duplicate": not new}, status_code=202
    )
    log().info(
        "delivery received",
        extra={"delivery": delivery, "event": event, "duplicate": not new, "ms": timer.ms()},
    )
    return response


def _answer(status: int, message: str, timer: Timer, **fields: Any) -> Response:
    from starlette.responses import JSONResponse

    log().info("delivery answered", extra={"status": status, "reason": message, **fields})
    return JSONResponse({"message": message, **fields}, status_code=status)


async def health(queue: Store) -> Response:
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse

    counts = await run_in_threadpool(queue.counts)
    return JSONResponse({"status": "ok", "jobs": counts})
