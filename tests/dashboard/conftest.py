"""A results store filled by real pull-request scans, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from filled_store import HOSTILE, HOSTILE_CODE, HOSTILE_FILE, Filled, hostile_report, scan_pull
from pages_support import client, service_app
from pr.npm_project import FixtureRegistry, benign_files, stealer_files
from support.registry_server import RegistryServer, isolate_env

from depshield.dashboard.store import ResultsStore


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'dashboard.sqlite3'}"
    url: str = request.getfixturevalue("database")  # tests/conftest.py: a fresh database
    return url


@pytest.fixture
def npm_registry(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, registry_server: RegistryServer
) -> FixtureRegistry:
    isolate_env(monkeypatch, tmp_path)
    registry = FixtureRegistry(registry_server)
    monkeypatch.setenv("npm_config_registry", registry.url)
    return registry


@pytest.fixture
def filled(npm_registry: FixtureRegistry, store_url: str, tmp_path: Path) -> Iterator[Filled]:
    npm = npm_registry
    pad1 = npm.publish("tidy-pad", "1.0.0", benign_files("tidy-pad", "1.0.0"))
    pad2 = npm.publish("tidy-pad", "1.1.0", benign_files("tidy-pad", "1.1.0"))
    gone = npm.publish("old-util", "2.0.0", benign_files("old-util", "2.0.0"))
    stealer = npm.publish("@acme-typo/colors", "1.0.3", stealer_files("@acme-typo/colors", "1.0.3"))
    files = benign_files("evalish", "0.2.0")
    files[HOSTILE_FILE] = HOSTILE_CODE.encode()
    evalish = npm.publish("evalish", "0.2.0", files)
    store = ResultsStore(store_url)
    at = 1_765_000_000.0  # a fixed clock: the chart's days are known
    runs = [
        ("acme/shop", 1, [pad1, gone], [pad2, stealer]),
        ("acme/api", 7, [pad1], [pad1, stealer]),
        ("acme/docs", 3, [pad1], [pad1, evalish]),
        ("acme/site", 4, [gone], [pad1]),
    ]
    for index, (repo, pr, old, new) in enumerate(runs):
        report, body = scan_pull(old, new, tmp_path / f"run{index}")
        store.record_run(repo, pr, "b" * 40, f"{index}" * 40, report, body, at=at + index * 3600)
    store.record_ignore("acme/docs", 3, "evalish@0.2.0", "maintainer-1",
                        "@depshield ignore evalish@0.2.0\nreviewed: the eval is a REPL",
                        at=at + 9000)  # fmt: skip
    hostile = hostile_report()
    store.record_run("acme/<i>hostile</i>", 9, "c" * 40, "d" * 40, hostile, "body", at=at + 9999)
    try:
        yield Filled(store, "@acme-typo/colors", HOSTILE)
    finally:
        store.close()


@pytest.fixture
def web(filled: Filled, tmp_path: Path, store_url: str) -> Any:
    """A loopback client of the service app over the filled store."""
    return client(service_app(tmp_path, store_url))
