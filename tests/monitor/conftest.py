"""A real PostgreSQL for the monitor tests (one cluster per module, a database per test)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from support.postgres import Postgres, cluster

_numbers = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    yield from cluster()


@pytest.fixture
def database(postgres: Postgres) -> str:
    return postgres.create_database(f"monitor_{next(_numbers)}")
