"""Where new publishes come from: npm's replication changes feed (CouchDB `_changes`, by sequence)
and PyPI's changelog (XML-RPC `changelog_since_serial`, by serial). Their URLs are configured;
none is written here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from depshield.errors import RegistryError
from depshield.net import get_json, make_client

BATCH = 100


@dataclass(frozen=True, slots=True)
class Event:
    ecosystem: str
    name: str
    version: str | None  # npm's feed names the package only: the worker takes its latest


@dataclass(frozen=True, slots=True)
class Page:
    events: tuple[Event, ...]
    position: str  # the cursor after this page


def npm_pages(url: str, since: str | None, batch: int = BATCH) -> Iterator[Page]:
    """Pages of the changes feed from `since` until it has nothing newer."""

    position = since or "0"
    with make_client() as http:
        while True:
            query = urlencode({"since": position, "limit": batch})
            doc = get_json(http, f"{url}?{query}", what="the npm changes feed")
            if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
                raise RegistryError("the npm changes feed answered with no `results` list")
            events = tuple(
                Event("npm", str(row["id"]), None)
                for row in doc["results"]
                if isinstance(row, dict)
                and isinstance(row.get("id"), str)
                and not row.get("deleted")
                and not str(row["id"]).startswith("_design/")
            )
            last = str(doc.get("last_seq", position))
            if not doc["results"] or last == position:
                return
            yield Page(events, last)
            position = last


def pypi_pages(url: str, since: str | None, batch: int = BATCH) -> Iterator[Page]:
    """Pages of the changelog from serial `since`: one event per release that gained a file."""
    import xmlrpc.client

    serial = int(since or 0)
    server = xmlrpc.client.ServerProxy(url, allow_none=False)
    try:
        while True:
            try:
                answer: Any = server.changelog_since_serial(serial)
            except (OSError, xmlrpc.client.Error) as exc:
                raise RegistryError(f"cannot read the PyPI changelog: {exc}") from exc
            rows = [r for r in answer if isinstance(r, list) and len(r) >= 5][:batch]
            if not rows:
                return
            events = tuple(
                Event("pypi", str(name), str(version))
                for name, version, _, action, _ in rows
                if version and (str(action).startswith("add ") or action == "new release")
            )
            serial = max(int(r[4]) for r in rows)
            yield Page(_unique(events), str(serial))
    finally:
        server("close")()


def _unique(events: tuple[Event, ...]) -> tuple[Event, ...]:
    return tuple(dict.fromkeys(events))


def describe(page: Page) -> str:
    return json.dumps({"events": len(page.events), "position": page.position})
