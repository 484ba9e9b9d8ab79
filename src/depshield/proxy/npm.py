"""The npm side: packuments with tarball URLs pointing at the proxy, gated tarballs, and the
other `/-/` endpoints passed through."""

from __future__ import annotations

import functools
import json
from functools import partial
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from depshield.ecosystems.npm.registry import packument_url
from depshield.errors import UsageError
from depshield.model import PackageRef
from depshield.proxy.context import Proxy, refused
from depshield.proxy.fetch import npm_tarball
from depshield.proxy.relay import relay
from depshield.proxy.upstream import Document

PREFIX = "npm/"
FULL = "application/json"


def _packument_url(proxy: Proxy, name: str) -> str:

    return packument_url(proxy.settings.npm_upstream, name)


async def packument(proxy: Proxy, request: Request, name: str) -> Response:
    try:
        url = _packument_url(proxy, name)
    except UsageError as exc:
        return refused(exc.message, npm=True, status=400)
    accept = request.headers.get("accept", FULL)
    doc = await proxy.upstream.document(url, auth=proxy.client_auth(request), accept=accept)
    if doc.status != 200:
        return _relay(doc)
    body = _rewritten(doc.body, str(request.base_url) + PREFIX, name)
    if body is None:
        message = f"the upstream answered {name!r} with a document that is no packument"
        return refused(message, npm=True, status=502)
    return Response(body, media_type=doc.content_type or FULL)


async def tarball(proxy: Proxy, request: Request, name: str, file: str) -> Response:
    try:
        url = _packument_url(proxy, name)
    except UsageError as exc:
        return refused(exc.message, npm=True, status=400)
    auth = proxy.client_auth(request)
    # The full document, fetched with the requester's own credentials: whoever may not read the
    # package upstream gets the upstream's answer, never a copy someone else fetched.
    doc = await proxy.upstream.document(url, auth=auth, accept=FULL)
    if doc.status != 200:
        return _relay(doc)
    data = _parsed(doc.body)
    found = _version_of(data, file) if data else None
    if found is None:
        return refused(f"{name} has no version published as {file!r}", npm=True, status=404)
    version, dist = found
    upstream_url = urljoin(doc.url, dist["tarball"])
    ref = PackageRef("npm", name, version)
    work = partial(npm_tarball, proxy.settings, ref, upstream_url, dist, auth, data or {})
    judged = await proxy.gate.judge(f"npm:{dist.get('integrity') or upstream_url}", work)
    return proxy.answer(request, ref, judged, proxy.gate.rule(judged, str(ref)), npm=True)


async def passthrough(proxy: Proxy, request: Request, rest: str) -> Response:
    """`/-/...` (search, ping, audit): relayed as they are; nothing here is installed."""

    target = urljoin(proxy.settings.npm_upstream, "-/" + rest)
    return await relay(proxy, request, target)


def _version_of(data: dict[str, Any], file: str) -> tuple[str, dict[str, Any]] | None:
    for version, manifest in (data.get("versions") or {}).items():
        dist = manifest.get("dist") if isinstance(manifest, dict) else None
        tarball = dist.get("tarball") if isinstance(dist, dict) else None
        if isinstance(dist, dict) and isinstance(tarball, str) and _basename(tarball) == file:
            return str(version), dist
    return None


def _basename(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


# Parsed and rewritten documents, by the document's bytes: the upstream client keeps the same
# bytes object while a document is fresh (and bytes cache their hash), so a client installing
# 400 tarballs of one package parses its packument once, not 400 times, on the event loop.
@functools.lru_cache(maxsize=64)
def _parsed(body: bytes) -> dict[str, Any] | None:
    """Read-only: callers must not change it."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("versions", {}), dict) else None


@functools.lru_cache(maxsize=64)
def _rewritten(body: bytes, base: str, name: str) -> bytes | None:
    try:
        data = json.loads(body)  # a copy of its own: it is changed below
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("versions", {}), dict):
        return None
    for manifest in (data.get("versions") or {}).values():
        dist = manifest.get("dist") if isinstance(manifest, dict) else None
        if isinstance(dist, dict) and isinstance(dist.get("tarball"), str):
            dist["tarball"] = f"{base}{name}/-/{_basename(dist['tarball'])}"
    return json.dumps(data).encode()


def _relay(doc: Document) -> Response:
    return Response(doc.body, status_code=doc.status, media_type=doc.content_type or None)
