"""The feed readers against real servers on loopback: an XML-RPC changelog, a _changes feed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from xmlrpc.server import SimpleXMLRPCServer

import pytest
from support.registry_server import RegistryServer

from depshield.monitor.feeds import npm_pages, pypi_pages

CHANGELOG = [
    ["alpha", "1.0", 1700000000, "new release", 10],
    ["alpha", "1.0", 1700000001, "add py3 file alpha-1.0-py3-none-any.whl", 11],
    ["beta", None, 1700000002, "create", 12],
    ["beta", "0.1", 1700000003, "add source file beta-0.1.tar.gz", 13],
    ["gamma", "2.0", 1700000004, "remove release", 14],
]


@pytest.fixture
def changelog() -> Iterator[str]:
    server = SimpleXMLRPCServer(("127.0.0.1", 0), logRequests=False, allow_none=True)
    server.register_function(
        lambda serial: [row for row in CHANGELOG if row[4] > serial], "changelog_since_serial"
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_pypi_changelog_gives_one_event_per_release_and_the_last_serial(changelog: str) -> None:
    pages = list(pypi_pages(changelog, None))
    assert len(pages) == 1
    assert [(e.name, e.version) for e in pages[0].events] == [("alpha", "1.0"), ("beta", "0.1")]
    assert pages[0].position == "14"
    assert list(pypi_pages(changelog, "14")) == []  # caught up: nothing newer


def test_npm_feed_skips_deletions_and_design_documents(registry_server: RegistryServer) -> None:
    rows = [{"seq": 1, "id": "left-pad"}, {"seq": 2, "id": "gone", "deleted": True},
            {"seq": 3, "id": "_design/app"}, {"seq": 4, "id": "@scope/pkg"}]  # fmt: skip
    registry_server.json("/_changes?since=0&limit=100", {"results": rows, "last_seq": 4})
    registry_server.json("/_changes?since=4&limit=100", {"results": [], "last_seq": 4})
    pages = list(npm_pages(registry_server.url + "_changes", None))
    assert [e.name for e in pages[0].events] == ["left-pad", "@scope/pkg"]
    assert pages[0].position == "4" and len(pages) == 1
