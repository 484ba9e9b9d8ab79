"""PEP 503 (HTML) and PEP 691 (JSON) project pages: read as data, rewritten with file URLs that
point at the proxy. Nothing from the page is trusted as markup: it is parsed, then written anew."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "application/vnd.pypi.simple.v1+html"
ACCEPT = f"{JSON_TYPE}, {HTML_TYPE};q=0.2, text/html;q=0.01"


@dataclass(frozen=True, slots=True)
class Link:
    filename: str
    url: str  # absolute upstream URL, without fragment
    hashes: dict[str, str] = field(default_factory=dict)
    attrs: tuple[tuple[str, str], ...] = ()  # data-* attributes of the HTML anchor


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.found.append({k: v or "" for k, v in attrs})


def is_json(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip() == JSON_TYPE


def links(body: bytes, content_type: str, base: str) -> list[Link]:
    """The files a project page lists, with absolute upstream URLs and their hashes."""
    if is_json(content_type):
        data = json.loads(body)
        out = []
        for item in data.get("files", []) if isinstance(data, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("url"), str):
                url = urljoin(base, item["url"]).split("#", 1)[0]
                raw = item.get("hashes")
                hashes = {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
                out.append(Link(str(item.get("filename") or _name(url)), url, hashes))
        return out
    parser = _Anchors()
    parser.feed(body.decode("utf-8", "replace"))
    out = []
    for attrs in parser.found:
        href = attrs.pop("href", "")
        if not href:
            continue
        url, _, fragment = urljoin(base, href).partition("#")
        algo, _, value = fragment.partition("=")
        hashes = {algo: value} if algo and value else {}
        extra = tuple((k, v) for k, v in attrs.items() if k.startswith("data-"))
        out.append(Link(_name(url), url, hashes, extra))
    return out


def rewrite(body: bytes, content_type: str, base: str, project: str, proxy_base: str) -> bytes:
    """The page with every file URL at `{proxy_base}{project}/{filename}`."""

    def local(link: Link) -> str:
        return f"{proxy_base}{quote(project)}/{quote(link.filename)}"

    if is_json(content_type):
        data: dict[str, Any] = json.loads(body)
        for item in data.get("files", []):
            if isinstance(item, dict) and isinstance(item.get("url"), str):
                url = urljoin(base, item["url"]).split("#", 1)[0]
                item["url"] = local(Link(str(item.get("filename") or _name(url)), url))
        return json.dumps(data).encode()
    rows = []
    for link in links(body, content_type, base):
        fragment = "".join(f"#{k}={v}" for k, v in list(link.hashes.items())[:1])
        attrs = "".join(f' {k}="{html.escape(v)}"' for k, v in link.attrs)
        rows.append(
            f'<a href="{html.escape(local(link) + fragment)}"{attrs}>'
            f"{html.escape(link.filename)}</a><br/>"
        )
    title = html.escape(f"Links for {project}")
    page = (
        '<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0">'
        f"<title>{title}</title></head><body><h1>{title}</h1>\n"
        + "\n".join(rows)
        + "\n</body></html>\n"
    )
    return page.encode()


def _name(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])
