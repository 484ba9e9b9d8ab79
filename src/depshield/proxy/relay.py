"""Plain relaying of requests that install nothing (npm's search, ping and audit endpoints;
the index root), streamed both ways with a bounded request body."""

from __future__ import annotations

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from depshield.proxy.context import Proxy

MAX_REQUEST_BYTES = 8 * 1024 * 1024
_FORWARDED = ("accept", "content-type", "npm-command", "npm-session", "user-agent")
_HOP = {"content-length", "transfer-encoding", "connection", "content-encoding"}


async def relay(proxy: Proxy, request: Request, url: str) -> Response:
    body = b""
    if request.method not in ("GET", "HEAD"):
        body = await request.body()
        if len(body) > MAX_REQUEST_BYTES:
            return PlainTextResponse("request body too large\n", status_code=413)
    headers = {k: v for k, v in request.headers.items() if k in _FORWARDED}
    auth = proxy.client_auth(request)
    if auth:
        headers["authorization"] = auth
    client = proxy.upstream.client
    try:
        upstream = await client.send(
            client.build_request(request.method, url, headers=headers, content=body or None),
            stream=True,
        )
    except httpx.HTTPError as exc:
        return PlainTextResponse(f"upstream unreachable: {type(exc).__name__}\n", status_code=502)
    out = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP}
    return StreamingResponse(
        upstream.aiter_bytes(),  # decoded: content-encoding is not passed on
        status_code=upstream.status_code,
        headers=out,
        background=BackgroundTask(upstream.aclose),
    )
