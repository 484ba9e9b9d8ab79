"""Shared fixtures: a loopback registry server (tests never reach the internet)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings
from support.registry_server import RegistryServer

# Tests never assert a timing: hypothesis's per-example deadline (200 ms) turns a loaded CI
# machine into failures of property tests whose code is fine.
settings.register_profile("depshield", deadline=None)
settings.load_profile("depshield")


@pytest.fixture
def registry_server() -> Iterator[RegistryServer]:
    server = RegistryServer()
    try:
        yield server
    finally:
        server.close()
