"""Upstream documents (packuments, index pages), fetched asynchronously with the requester's
credentials, bounded in size, and kept briefly per (URL, credentials, Accept)."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

from depshield.net import host_of, user_agent
from depshield.proxy.settings import ProxySettings

_KEPT = 512  # documents kept in memory
UPSTREAM_CONNECTIONS = 32


@dataclass(frozen=True, slots=True)
class Document:
    url: str  # the final URL after redirects: relative links resolve against it
    status: int
    content_type: str
    body: bytes


class UpstreamError(Exception):
    """The upstream could not be reached or answered with something unusable (-> 502)."""


class Upstream:
    def __init__(self, settings: ProxySettings, transport: httpx.AsyncBaseTransport | None = None):
        self.settings = settings
        self.client = httpx.AsyncClient(
            # Waiting for one of the pooled connections is not an upstream failure: eight clients
            # installing at once queue here instead of opening thousands of connections.
            timeout=httpx.Timeout(settings.upstream_timeout, connect=10.0, pool=None),
            limits=httpx.Limits(max_connections=UPSTREAM_CONNECTIONS),
            follow_redirects=True,
            headers={"User-Agent": user_agent()},
            transport=transport,
        )
        self._kept: OrderedDict[tuple[str, str, str], tuple[float, Document]] = OrderedDict()
        self._inflight: dict[tuple[str, str, str], asyncio.Future[Document]] = {}
        self.fetches = 0  # upstream document requests made (tests read it)

    async def close(self) -> None:
        await self.client.aclose()

    async def document(self, url: str, *, auth: str | None, accept: str) -> Document:
        key = (url, hashlib.sha256((auth or "").encode()).hexdigest(), accept)
        kept = self._kept.get(key)
        if kept and kept[0] > time.monotonic():
            return kept[1]
        waiting = self._inflight.get(key)
        if waiting is not None:  # the same document for the same credentials: one request
            return await asyncio.shield(waiting)
        future: asyncio.Future[Document] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            doc = await self._fetch(url, auth, accept, key)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: the waiters re-raise it
            raise
        finally:
            self._inflight.pop(key, None)
        future.set_result(doc)
        return doc

    async def _fetch(
        self, url: str, auth: str | None, accept: str, key: tuple[str, str, str]
    ) -> Document:
        self.fetches += 1
        headers = {"Accept": accept, **({"Authorization": auth} if auth else {})}
        try:
            async with self.client.stream("GET", url, headers=headers) as response:
                body = b"".join([chunk async for chunk in self._limited(response, url)])
        except httpx.HTTPError as exc:
            raise UpstreamError(f"cannot reach {host_of(url)}: {type(exc).__name__}") from exc
        doc = Document(
            str(response.url), response.status_code, response.headers.get("content-type", ""), body
        )
        if doc.status == 200:
            self._kept[key] = (time.monotonic() + self.settings.document_ttl, doc)
            if len(self._kept) > _KEPT:
                self._kept.popitem(last=False)
        return doc

    async def _limited(self, response: httpx.Response, url: str) -> AsyncIterator[bytes]:
        limit = self.settings.max_document_bytes
        seen = 0
        async for chunk in response.aiter_bytes():
            seen += len(chunk)
            if seen > limit:
                raise UpstreamError(
                    f"{host_of(url)} sent a document over the {limit >> 20} MiB limit"
                )
            yield chunk
