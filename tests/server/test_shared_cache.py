"""The analysis cache shared through PostgreSQL: an artifact one machine examined is not examined
again by another (same digest, same analyzer version), a different analyzer version is a miss,
and an unreachable database leaves the local cache working."""

from __future__ import annotations

from pathlib import Path

import pytest
from npm_project import stealer_files
from support.registry_server import make_tgz

from depshield import analysis
from depshield.analysis import cache_key
from depshield.api import analyze_artifact
from depshield.cache import Cache
from depshield.server.store import PostgresStore


def machine(tmp_path: Path, name: str) -> Cache:
    """A cache of its own (another machine's DEPSHIELD_HOME)."""
    return Cache(tmp_path / name / "cache.sqlite")


@pytest.fixture
def artifact(tmp_path: Path) -> Path:
    path = tmp_path / "evil-helper-1.0.1.tgz"
    path.write_bytes(make_tgz(stealer_files("evil-helper", "1.0.1")))
    return path


def test_a_second_machine_reuses_the_first_ones_analysis(
    database: str, artifact: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    PostgresStore(database).close()  # the service's migrations, as serve and worker run them
    monkeypatch.setenv("DEPSHIELD_DATABASE_URL", database)
    first = analyze_artifact(artifact, ecosystem="npm", cache=machine(tmp_path, "a"))
    assert first.verdict == "block"

    def examine(*args: object, **kwargs: object) -> None:
        raise AssertionError("examined again although another machine had the analysis")

    monkeypatch.setattr(analysis, "examine", examine)
    second = analyze_artifact(artifact, ecosystem="npm", cache=machine(tmp_path, "b"))
    assert second.verdict == "block"
    assert [(a.type, a.file, a.line) for a in second.alerts] == [
        (a.type, a.file, a.line) for a in first.alerts
    ]
    # Copied into b's local cache: the next lookup there needs no database.
    monkeypatch.setenv("DEPSHIELD_DATABASE_URL", "")
    assert machine(tmp_path, "b").get_analysis(first.digest or "", cache_key("npm")) is not None


def test_another_analyzer_version_is_a_miss(
    database: str, artifact: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    PostgresStore(database).close()
    monkeypatch.setenv("DEPSHIELD_DATABASE_URL", database)
    result = analyze_artifact(artifact, ecosystem="npm", cache=machine(tmp_path, "a"))
    other = machine(tmp_path, "b")
    assert other.get_analysis(result.digest or "", cache_key("npm")) is not None
    assert other.get_analysis(result.digest or "", "older-analyzer:npm:0000") is None


def test_an_unreachable_database_leaves_the_local_cache_working(
    artifact: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPSHIELD_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
    cache = machine(tmp_path, "a")
    result = analyze_artifact(artifact, ecosystem="npm", cache=cache)
    assert result.verdict == "block"
    assert cache.get_analysis(result.digest or "", cache_key("npm")) is not None
