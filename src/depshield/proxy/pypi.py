"""The PyPI side: the simple index (PEP 503 HTML and PEP 691 JSON) with file URLs pointing at the
proxy, gated file downloads, PEP 658 metadata files and the JSON API, relayed."""

from __future__ import annotations

import functools
import json
import re
from functools import partial
from urllib.parse import quote, urljoin

from starlette.requests import Request
from starlette.responses import Response

from depshield.ecosystems.pypi.config import json_api_base
from depshield.errors import ConfigError
from depshield.model import PackageRef
from depshield.proxy import simple
from depshield.proxy.context import Proxy, refused
from depshield.proxy.fetch import pypi_file
from depshield.proxy.relay import relay
from depshield.proxy.upstream import Document

FILES = "pypi/files/"


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


async def index_root(proxy: Proxy, request: Request) -> Response:

    return await relay(proxy, request, proxy.settings.pypi_upstream)


async def project_page(proxy: Proxy, request: Request, project: str) -> Response:
    doc = await _page(proxy, request, project, request.headers.get("accept", simple.ACCEPT))
    if doc.status != 200:
        return _relay(doc)
    base = str(request.base_url) + FILES
    try:
        body = _page_rewritten(doc.body, doc.content_type, doc.url, normalize(project), base)
    except ValueError:
        return refused(f"the index sent an unreadable page for {project!r}", npm=False, status=502)
    kind = simple.JSON_TYPE if simple.is_json(doc.content_type) else "text/html; charset=utf-8"
    return Response(body, media_type=kind)


async def file(proxy: Proxy, request: Request, project: str, filename: str) -> Response:

    doc = await _page(proxy, request, project, simple.ACCEPT)
    if doc.status != 200:
        return _relay(doc)
    try:
        listed = _listing(doc.body, doc.content_type, doc.url)
    except ValueError:
        return refused(f"the index sent an unreadable page for {project!r}", npm=False, status=502)
    if filename.endswith(".metadata") and filename[: -len(".metadata")] in listed:
        # PEP 658: the wheel's METADATA file, read by resolvers; it installs nothing.
        return await relay(proxy, request, listed[filename[: -len(".metadata")]].url + ".metadata")
    link = listed.get(filename)
    if link is None:
        return refused(f"{project} lists no file {filename!r}", npm=False, status=404)
    ref = _ref(project, filename)
    sha256 = link.hashes.get("sha256")
    work = partial(pypi_file, proxy.settings, ref, link.url, sha256, proxy.client_auth(request))
    judged = await proxy.gate.judge(f"pypi:{sha256 or link.url}", work)
    label = str(ref) if ref.version else filename
    return proxy.answer(request, ref, judged, proxy.gate.rule(judged, label), npm=False)


async def json_api(proxy: Proxy, request: Request, rest: str) -> Response:
    """`/pypi/NAME[/VERSION]/json`, relayed with its file URLs pointing at the proxy."""

    try:
        target = urljoin(json_api_base(proxy.settings.pypi_upstream), rest)
    except ConfigError as exc:
        return refused(exc.message, npm=False, status=404)
    doc = await proxy.upstream.document(
        target, auth=proxy.client_auth(request), accept="application/json"
    )
    if doc.status != 200:
        return _relay(doc)
    try:
        data = json.loads(doc.body)
    except ValueError:
        return refused("the index sent an unreadable json document", npm=False, status=502)
    name = normalize(str(data.get("info", {}).get("name") or rest.split("/", 1)[0]))
    base = str(request.base_url) + FILES + quote(name) + "/"
    groups = [data.get("urls") or [], *(data.get("releases") or {}).values()]
    for group in groups:
        for item in group if isinstance(group, list) else []:
            if isinstance(item, dict) and isinstance(item.get("filename"), str):
                item["url"] = base + quote(item["filename"])
    return Response(json.dumps(data), media_type="application/json")


async def _page(proxy: Proxy, request: Request, project: str, accept: str) -> Document:
    url = urljoin(proxy.settings.pypi_upstream, quote(normalize(project)) + "/")
    return await proxy.upstream.document(url, auth=proxy.client_auth(request), accept=accept)


# By the page's bytes (kept as one object while fresh): a resolver fetching 100 files of one
# project parses its page once, not once a file, on the event loop.
@functools.lru_cache(maxsize=128)
def _listing(body: bytes, content_type: str, url: str) -> dict[str, simple.Link]:
    return {link.filename: link for link in simple.links(body, content_type, url)}


@functools.lru_cache(maxsize=128)
def _page_rewritten(body: bytes, content_type: str, url: str, project: str, base: str) -> bytes:
    return simple.rewrite(body, content_type, url, project, base)


def _ref(project: str, filename: str) -> PackageRef:
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    try:
        if filename.endswith(".whl"):
            name, version, *_ = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
        return PackageRef("pypi", str(name), str(version))
    except (InvalidWheelFilename, InvalidSdistFilename):
        return PackageRef("pypi", normalize(project), None)


def _relay(doc: Document) -> Response:
    return Response(doc.body, status_code=doc.status, media_type=doc.content_type or None)
