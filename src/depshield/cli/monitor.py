"""`depshield monitor` and `depshield worker`: watch registries for new releases and judge them
on any number of workers sharing one PostgreSQL database (docs/deploy.md)."""

from __future__ import annotations

import argparse
import os
from typing import Any

NPM_FEED_ENV = "DEPSHIELD_NPM_FEED_URL"
PYPI_FEED_ENV = "DEPSHIELD_PYPI_CHANGELOG_URL"


def _shared(parser: Any) -> None:
    parser.add_argument("--osv-dir", metavar="DIR", help="write MAL- records under DIR/osv/")
    parser.add_argument("--webhook", metavar="URL", help="post each block (Slack-compatible JSON)")


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "monitor",
        help="follow new publishes on the registries and enqueue each new release",
        description="Read npm's changes feed and PyPI's changelog from a durable cursor and "
        "enqueue every new release for `depshield worker`. Needs DEPSHIELD_DATABASE_URL "
        f"(postgresql://...). Feeds: --npm-feed/{NPM_FEED_ENV}, --pypi-feed/{PYPI_FEED_ENV}.",
    )
    parser.add_argument("--npm-feed", metavar="URL", help="a CouchDB _changes URL")
    parser.add_argument("--pypi-feed", metavar="URL", help="an XML-RPC endpoint with a changelog")
    parser.add_argument("--once", action="store_true", help="stop when the feeds are caught up")
    parser.add_argument("--max-pages", type=int, help="stop after this many feed pages")
    parser.add_argument("--max-waiting", type=int, default=1000, help="pause above this backlog")
    parser.add_argument("--poll", type=float, default=30.0, help="seconds between feed reads")
    _shared(parser)


def add_worker_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "worker",
        help="take monitor and webhook jobs from the shared PostgreSQL queue and run them",
        description="A procrastinate worker: run as many as you like, on as many machines. "
        "Needs DEPSHIELD_DATABASE_URL; webhook jobs (from `depshield serve` on PostgreSQL) also "
        "need the GitHub App settings `depshield serve` has (docs/deploy.md).",
    )
    parser.add_argument("--concurrency", type=int, default=1, help="jobs at once")
    parser.add_argument("--once", action="store_true", help="stop when the queue is empty")
    parser.add_argument(
        "--stalled-after",
        type=float,
        default=30.0,
        help="seconds without a heartbeat after which a dead worker's job is taken again",
    )
    _shared(parser)


def missing_monitor_modules() -> list[str]:
    """The `depshield[monitor]` extra's modules that are not installed."""
    import importlib.util

    return [m for m in ("procrastinate", "psycopg") if importlib.util.find_spec(m) is None]


def _settings(args: argparse.Namespace) -> Any:
    from depshield.errors import UsageError

    missing = missing_monitor_modules()
    if missing:
        raise UsageError(
            f"'depshield {args.command}' needs {', '.join(missing)}, which are not installed",
            tip="install depshield[monitor] (pip install 'depshield[monitor]')",
        )
    from depshield.monitor.tasks import OSV_DIR_ENV, WEBHOOK_ENV, Settings

    # Tasks read their settings from the environment (a worker may be another machine's).
    if args.osv_dir:
        os.environ[OSV_DIR_ENV] = args.osv_dir
    if args.webhook:
        os.environ[WEBHOOK_ENV] = args.webhook
    return Settings.from_env()


def run(args: argparse.Namespace) -> int:
    from depshield.errors import UsageError
    from depshield.monitor.feeds import npm_pages, pypi_pages
    from depshield.monitor.follow import Options, Pages, follow

    settings = _settings(args)
    feeds: dict[str, Pages] = {}
    npm_feed = args.npm_feed or os.environ.get(NPM_FEED_ENV, "").strip()
    pypi_feed = args.pypi_feed or os.environ.get(PYPI_FEED_ENV, "").strip()
    if npm_feed:
        feeds[f"npm:{npm_feed}"] = lambda since: npm_pages(npm_feed, since)
    if pypi_feed:
        feeds[f"pypi:{pypi_feed}"] = lambda since: pypi_pages(pypi_feed, since)
    if not feeds:
        raise UsageError(
            "no feed to follow",
            tip=f"give --npm-feed or --pypi-feed (or set {NPM_FEED_ENV} / {PYPI_FEED_ENV})",
        )
    options = Options(args.once, args.max_pages, args.max_waiting, args.poll)
    enqueued = follow(settings, feeds, options)
    print(f"depshield monitor: {enqueued} releases enqueued")
    return 0


def run_worker(args: argparse.Namespace) -> int:
    from depshield.monitor.follow import work
    from depshield.server.logs import setup

    settings = _settings(args)
    setup()  # webhook jobs log as `depshield serve` does: one JSON object a line on stderr
    work(
        settings,
        concurrency=args.concurrency,
        once=args.once,
        stalled_after=args.stalled_after,
    )
    return 0
