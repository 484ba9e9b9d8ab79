"""Shared fixtures: a loopback registry server, a real PostgreSQL (never the internet)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from hypothesis import settings
from support.postgres import Postgres, available
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


_databases = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A real PostgreSQL, one cluster for the session (the monitor's and the service's tests)."""
    if available() is None:
        pytest.fail("PostgreSQL's server binaries are missing: apt-get install postgresql")
    server = Postgres()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def database(postgres: Postgres) -> str:
    """A fresh database on it, one a test."""
    return postgres.create_database(f"test_{next(_databases)}")
