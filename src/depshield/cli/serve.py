"""`depshield serve`: the GitHub App service (configured by environment, run by uvicorn)."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "serve",
        help="run the GitHub App service (webhooks -> pull-request comments and checks)",
        description="Receive GitHub webhooks, queue them durably, and comment on pull requests "
        "that change dependencies. Configuration: DEPSHIELD_GITHUB_APP_ID, "
        "DEPSHIELD_GITHUB_PRIVATE_KEY_FILE, DEPSHIELD_WEBHOOK_SECRET, DEPSHIELD_GITHUB_API_URL "
        "(see docs/pull-requests.md).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on")
    parser.add_argument(
        "--max-connections", type=int, default=256, help="concurrent connections, at most"
    )


# The `depshield[server]` extra: import name -> distribution, checked before anything loads.
SERVER_MODULES = {
    "starlette": "starlette",
    "uvicorn": "uvicorn",
    "jwt": "PyJWT",
    "jinja2": "Jinja2",
}


def missing_server_modules() -> list[str]:
    """The server extra's distributions that are not installed, by distribution name."""
    import importlib.util

    return [dist for mod, dist in SERVER_MODULES.items() if importlib.util.find_spec(mod) is None]


def run(args: argparse.Namespace) -> int:
    import gc

    from depshield.errors import UsageError

    missing = missing_server_modules()
    if missing:
        raise UsageError(
            f"'depshield serve' needs {', '.join(missing)}, which are not installed",
            tip="install depshield[server] (pip install 'depshield[server]')",
        )
    import uvicorn

    from depshield.server.app import create_app
    from depshield.server.config import from_env
    from depshield.server.logs import setup

    config = from_env()
    if config.database_url:
        from depshield.cli.monitor import missing_monitor_modules

        absent = missing_monitor_modules()
        if absent:
            raise UsageError(
                f"DEPSHIELD_DATABASE_URL needs {', '.join(absent)}, which are not installed",
                tip="install depshield[monitor] (pip install 'depshield[monitor]')",
            )
    setup()
    app = create_app(config)
    # Everything imported so far lives as long as the process: keep the collector off it, so a
    # full collection during a burst of deliveries walks only what requests allocate.
    gc.freeze()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        limit_concurrency=args.max_connections,
        log_level="warning",
        access_log=False,
    )
    return 0
