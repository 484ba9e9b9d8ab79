"""Importing OSV records: zip exports, directories, single files, upserts, bad records."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from vuln_support import FIXTURES, build_db

from depshield.errors import UsageError
from depshield.vulns.db import VulnStore
from depshield.vulns.match import db_status
from depshield.vulns.osv import import_paths, normalise_timestamp


def _zip(path: Path, records: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in records.items():
            archive.writestr(name, data)
    return path


def _record(record_id: str, modified: str, summary: str = "s") -> bytes:
    doc = {
        "id": record_id,
        "modified": modified,
        "summary": summary,
        "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"}, "versions": ["1.0.0"]}],
    }
    return json.dumps(doc).encode()


def _import(db: Path, *sources: Path) -> list:  # type: ignore[type-arg]
    store = VulnStore.open(db, create=True)
    try:
        return import_paths(list(sources), store)
    finally:
        store.close()


def test_directory_import_counts_records_per_ecosystem(tmp_path: Path) -> None:
    (summary,) = _import(tmp_path / "db.sqlite", FIXTURES / "npm")
    assert summary.new == 12 and summary.skipped == ()
    # GHSA-8hfj-j24r-96c4 also names a NuGet package: counted there too.
    assert dict(summary.per_ecosystem) == {"npm": 12, "NuGet": 1}


def test_reimport_is_idempotent_and_keeps_the_newer_modified(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    old = _zip(tmp_path / "old.zip", {"X-1.json": _record("X-1", "2024-01-01T00:00:00Z", "old")})
    new = _zip(tmp_path / "new.zip", {"X-1.json": _record("X-1", "2024-02-01T00:00:00.5Z", "new")})
    assert _import(db, old)[0].new == 1
    assert _import(db, old)[0].unchanged == 1
    assert _import(db, new)[0].updated == 1
    assert _import(db, old)[0].unchanged == 1  # an older copy never replaces a newer one
    with sqlite3.connect(db) as conn:
        body, seq = conn.execute("SELECT body, seq FROM records WHERE id = 'X-1'").fetchone()
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert json.loads(body)["summary"] == "new"
    assert seq == 1  # first-seen order survives updates
    assert mode == "wal"


def test_bad_records_are_skipped_by_file_name(tmp_path: Path) -> None:
    (summary,) = _import(tmp_path / "db.sqlite", FIXTURES / "bad")
    reasons = {s.origin: s.reason for s in summary.skipped}
    assert summary.records == 0
    assert set(reasons) == {
        "truncated.json",
        "no-id.json",
        "no-modified.json",
        "affected-not-a-list.json",
    }
    assert reasons["truncated.json"].startswith("not valid JSON")
    assert "modified" in reasons["no-modified.json"]


def test_zip_members_are_read_one_at_a_time_and_non_json_ignored(tmp_path: Path) -> None:
    archive = _zip(
        tmp_path / "all.zip",
        {
            "A-1.json": _record("A-1", "2024-01-01T00:00:00Z"),
            "README.md": b"# not a record",
            "broken.json": b"{",
        },
    )
    (summary,) = _import(tmp_path / "db.sqlite", archive)
    assert summary.new == 1
    assert [s.origin for s in summary.skipped] == ["all.zip:broken.json"]


def test_single_file_and_api_reply_shapes(tmp_path: Path) -> None:
    (single,) = _import(tmp_path / "a.sqlite", FIXTURES / "pypi" / "PYSEC-2018-28.json")
    assert single.new == 1
    (reply,) = _import(
        tmp_path / "b.sqlite", FIXTURES / "online" / "osv-api-query-requests-2.19.0.json"
    )
    assert reply.new == 1


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        _import(tmp_path / "db.sqlite", tmp_path / "absent.zip")


def test_failed_import_rolls_back_the_whole_transaction(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    good = _zip(tmp_path / "good.zip", {"G-1.json": _record("G-1", "2024-01-01T00:00:00Z")})
    with pytest.raises(UsageError):
        _import(db, good, tmp_path / "absent")
    assert db_status(db).records == 0


def test_status_reports_counts_and_last_import(fixture_db: Path) -> None:
    status = db_status(fixture_db)
    assert status.exists and status.records == 21
    assert status.malicious == 4 and status.withdrawn == 1
    assert dict(status.per_ecosystem)["PyPI"] == 7
    assert status.last_import is not None


def test_status_without_a_database_is_empty_not_an_error(tmp_path: Path) -> None:
    status = db_status(tmp_path / "none.sqlite")
    assert not status.exists and status.empty
    assert not (tmp_path / "none.sqlite").exists()


def test_timestamps_are_normalised_for_text_comparison() -> None:
    assert normalise_timestamp("2024-06-28T02:46:39.168448438Z") == "2024-06-28T02:46:39.168448Z"
    assert normalise_timestamp("2023-08-22 06:18:00+02:00") == "2023-08-22T04:18:00.000000Z"
    assert normalise_timestamp("yesterday") is None


def test_every_real_pypi_record_imports(osv_data: Path, tmp_path: Path) -> None:
    db = build_db(tmp_path / "db.sqlite", osv_data / "pypi-pypa-advisory-database.zip")
    status = db_status(db)
    assert status.records == 2661 and dict(status.per_ecosystem) == {"PyPI": 2661}
    assert status.withdrawn == 10 and status.malicious == 0


def test_real_npm_sample_and_malicious_feed_import(osv_data: Path, tmp_path: Path) -> None:
    summaries = _import(
        tmp_path / "db.sqlite", osv_data / "npm-ghsa-sample", osv_data / "malicious-sample.zip"
    )
    assert [s.skipped for s in summaries] == [(), ()]
    assert summaries[0].new == 65
    assert summaries[1].new == 2000 and summaries[1].malicious == 2000
    assert dict(summaries[1].per_ecosystem) == {"npm": 1000, "PyPI": 1000}
