"""Fixtures for pull-request tests: an isolated environment and the fixture npm registry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from npm_project import FixtureRegistry
from support.registry_server import RegistryServer, isolate_env


@pytest.fixture
def npm(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, registry_server: RegistryServer
) -> Iterator[FixtureRegistry]:
    isolate_env(monkeypatch, tmp_path)
    registry = FixtureRegistry(registry_server)
    monkeypatch.setenv("npm_config_registry", registry.url)
    yield registry
