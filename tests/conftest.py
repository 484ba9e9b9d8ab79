"""Shared fixtures: a loopback registry server (tests never reach the internet)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.registry_server import RegistryServer


@pytest.fixture
def registry_server() -> Iterator[RegistryServer]:
    server = RegistryServer()
    try:
        yield server
    finally:
        server.close()
