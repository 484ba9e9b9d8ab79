"""The SQLite cache: documents with a TTL, stale reads, analyses by digest and analyzer key,
corrupt rows as misses, threads with their own connections, and no shared store without
DEPSHIELD_DATABASE_URL."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from depshield import cache as cache_module
from depshield.cache import Cache


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cache]:
    monkeypatch.delenv("DEPSHIELD_DATABASE_URL", raising=False)
    made = Cache(tmp_path / "home" / "cache.sqlite")
    yield made
    made.close()


def test_a_document_is_served_within_its_ttl_and_not_after(
    cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.put_document("https://registry.invalid/left-pad", b"{}", etag='"1"')
    assert cache.get_document("https://registry.invalid/left-pad", ttl=60) == b"{}"
    later = time.time() + 120
    monkeypatch.setattr(cache_module.time, "time", lambda: later)
    assert cache.get_document("https://registry.invalid/left-pad", ttl=60) is None
    # Expired is not gone: the registry-down fallback still reads it.
    assert cache.get_stale_document("https://registry.invalid/left-pad") == b"{}"


def test_unknown_documents_are_misses(cache: Cache) -> None:
    assert cache.get_document("https://registry.invalid/nothing", ttl=60) is None
    assert cache.get_stale_document("https://registry.invalid/nothing") is None


def test_put_replaces_the_earlier_document(cache: Cache) -> None:
    cache.put_document("u", b"old")
    cache.put_document("u", b"new")
    assert cache.get_document("u", ttl=60) == b"new"


def test_analyses_are_keyed_by_digest_and_analyzer(cache: Cache) -> None:
    cache.put_analysis("sha256-aa", "code-1", {"findings": [1]})
    assert cache.get_analysis("sha256-aa", "code-1") == {"findings": [1]}
    assert cache.get_analysis("sha256-aa", "code-2") is None  # another code version: a miss
    assert cache.get_analysis("sha256-bb", "code-1") is None


def test_a_corrupt_analysis_row_is_a_miss(cache: Cache) -> None:
    cache.put_analysis("sha256-aa", "code-1", {"ok": True})
    db = sqlite3.connect(cache.path)
    db.execute("UPDATE analyses SET payload = ?", (b"{not json",))
    db.commit()
    db.close()
    assert cache.get_analysis("sha256-aa", "code-1") is None


def test_the_cache_survives_a_reopen(tmp_path: Path) -> None:
    first = Cache(tmp_path / "c.sqlite")
    first.put_analysis("sha256-aa", "code-1", {"n": 1})
    first.close()
    second = Cache(tmp_path / "c.sqlite")
    assert second.get_analysis("sha256-aa", "code-1") == {"n": 1}
    second.close()


def test_each_thread_writes_through_its_own_connection(cache: Cache) -> None:
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(20):
                cache.put_analysis(f"sha256-{n}-{i}", "code-1", {"i": i})
        except BaseException as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    count = sqlite3.connect(cache.path).execute("SELECT COUNT(*) FROM analyses").fetchone()[0]
    assert count == 80


def test_no_shared_store_without_a_database_url(cache: Cache) -> None:
    assert cache._shared is None


def test_a_non_postgres_url_is_no_shared_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPSHIELD_DATABASE_URL", "sqlite:///x")
    made = Cache(tmp_path / "c.sqlite")
    assert made._shared is None
    made.close()
