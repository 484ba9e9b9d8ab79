"""The proxy's ASGI application: routes, the token check, and the status endpoint.

Point npm at `http://HOST:PORT/npm/` and pip/uv at `http://HOST:PORT/pypi/simple/`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from depshield.proxy import npm, pypi
from depshield.proxy.audit import AuditLog, counts
from depshield.proxy.context import Proxy, Unauthorized, refused, unauthorized
from depshield.proxy.gate import Gate
from depshield.proxy.settings import ProxySettings
from depshield.proxy.upstream import Upstream, UpstreamError

Handler = Callable[..., Awaitable[Response]]


def create_app(settings: ProxySettings) -> Starlette:
    holder: dict[str, Proxy] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        proxy = Proxy(
            settings,
            Upstream(settings),
            Gate(settings),
            AuditLog(settings.audit_db, settings.audit_jsonl),
        )
        holder["proxy"] = proxy
        try:
            yield
        finally:
            await proxy.upstream.close()
            proxy.audit.close()

    def route(path: str, handler: Handler, methods: tuple[str, ...] = ("GET", "HEAD")) -> Route:
        async def endpoint(request: Request) -> Response:
            proxy = holder["proxy"]
            npm_side = request.url.path.startswith("/npm/")
            try:
                return await handler(proxy, request, **request.path_params)
            except Unauthorized:
                return unauthorized()
            except UpstreamError as exc:
                return refused(str(exc), npm=npm_side, status=502)

        return Route(path, endpoint, methods=list(methods))

    async def status(proxy: Proxy, request: Request) -> Response:
        proxy.client_auth(request)
        return JSONResponse({**counts(settings.audit_db), "analyses_run": proxy.gate.analyses})

    any_method = ("GET", "HEAD", "POST", "PUT", "DELETE")
    routes = [
        route("/-/depshield/status", status),
        route("/npm/-/{rest:path}", npm.passthrough, any_method),
        route("/npm/{name:path}/-/{file}", npm.tarball),
        route("/npm/{name:path}", npm.packument),
        route("/pypi/simple/", pypi.index_root),
        route("/pypi/simple/{project}/", pypi.project_page),
        route("/pypi/files/{project}/{filename}", pypi.file),
        route("/pypi/pypi/{rest:path}", pypi.json_api),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def serve(settings: ProxySettings, host: str, port: int, **uvicorn_options: Any) -> None:
    import uvicorn

    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", **uvicorn_options)
