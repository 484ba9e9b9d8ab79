"""Tests for bench/peer_guarddog.py: verdict mapping, offline cache and the CLI wrapper."""

from __future__ import annotations

import json
import stat
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import peer_guarddog as pg  # noqa: E402


def _report(label: str, score: float, hits: Mapping[str, object]) -> str:
    risk = {"score": score, "label": label, "risks": [], "findings_count": len(hits)}
    return json.dumps({"package": "/x", "results": hits, "errors": {}, "risk_score": risk})


@pytest.mark.parametrize(
    ("label", "verdict"),
    [
        ("high_risk", "block"),
        ("suspicious", "warn"),
        ("low", "pass"),
        ("no_risks_detected", "pass"),
    ],
)
def test_parse_output_maps_labels(label: str, verdict: str) -> None:
    hits = {"threat-process-download-exec": {"setup.py:3": "x"}, "capability-process-spawn": {}}
    result = pg.parse_output(_report(label, 8.2, hits), "", 0, 1.5)
    assert result.label == verdict
    assert result.raw_label == label
    assert result.rules == ["threat-process-download-exec"]
    assert result.error is None


def test_parse_output_without_json_is_an_error() -> None:
    err = "ERROR: Error occurred while scanning target /x: 'not a valid tar or zip'"
    result = pg.parse_output("", err, 1, 0.2)
    assert result.label == "error"
    assert result.error is not None and "not a valid tar or zip" in result.error


def test_parse_output_keeps_guarddog_errors_beside_the_label() -> None:
    report = json.loads(_report("low", 1.0, {}))
    report["errors"] = {"rules-all": "yara failed on a.js"}
    result = pg.parse_output(json.dumps(report), "", 0, 0.1)
    assert result.label == "pass"
    assert result.error is not None and "yara failed" in result.error


def test_missing_path_is_never_passed_to_guarddog(tmp_path: Path) -> None:
    # GuardDog would read a missing path as a package name and ask the registry for it.
    result = pg.run_guarddog("npm", tmp_path / "absent")
    assert result.label == "error"
    assert result.error is not None and "no such path" in result.error


def _fake_guarddog(tmp_path: Path) -> Path:
    """A stand-in venv layout: bin/guarddog echoing its cache location, bundled resources."""
    res = tmp_path / "venv/lib/python3.11/site-packages/guarddog/analyzer/metadata/resources"
    res.mkdir(parents=True)
    old = {"downloaded_timestamp": 1, "packages": ["left-pad"]}
    (res / "top_npm_packages.json").write_text(json.dumps(old))
    (res / "placeholder_email_domains.txt").write_text("example.invalid\n")
    binary = tmp_path / "venv/bin/guarddog"
    binary.parent.mkdir()
    body = _report("high_risk", 9.0, {"threat-npm-preinstall-script": {"package.json": "x"}})
    binary.write_text(
        f"#!/bin/sh\necho \"$GUARDDOG_TOP_PACKAGES_CACHE_LOCATION $3 $4\" >&2\necho '{body}'\n"
    )
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    return binary


def test_run_guarddog_uses_a_fresh_offline_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    binary = _fake_guarddog(tmp_path)
    cache = tmp_path / "cache"
    monkeypatch.setenv("GUARDDOG_BIN", str(binary))
    monkeypatch.setenv("GUARDDOG_TOP_PACKAGES_CACHE_LOCATION", str(cache))
    monkeypatch.setenv("GUARDDOG_NETNS", "0")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    result = pg.run_guarddog("npm", pkg)
    assert result.label == "block"
    assert result.rules == ["threat-npm-preinstall-script"]
    fresh = json.loads((cache / "top_npm_packages.json").read_text())
    assert fresh["packages"] == ["left-pad"]
    assert time.time() - fresh["downloaded_timestamp"] < 3600
    assert (cache / "placeholder_email_domains.txt").exists()


def test_benign_manifest_rows_become_archive_items(tmp_path: Path) -> None:
    rows = [
        {"ecosystem": "npm", "name": "a", "version": "1.0.0", "path": "npm/a-1.0.0.tgz"},
        {"ecosystem": "pypi", "name": "b", "version": "2", "path": "/abs/b-2.tar.gz"},
        {"ecosystem": "npm", "name": "c", "version": "1", "error": "not found"},
    ]
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "npm").mkdir()
    (tmp_path / "npm/a-1.0.0.tgz").write_bytes(b"")
    (item,) = pg.benign_items(manifest, "npm")
    assert item.id == "npm/a@1.0.0"
    assert item.archive == tmp_path / "npm/a-1.0.0.tgz"
    # b's archive was never downloaded: it is left for a later run instead of failing now.
    assert list(pg.benign_items(manifest, "pypi")) == []
    # The long-tail set's ids carry a prefix so they never collide with the top set's.
    (wide,) = pg.benign_items(manifest, "npm", "wide:")
    assert wide.id == "wide:npm/a@1.0.0"


def test_done_ids_makes_runs_resumable(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text(json.dumps({"id": "npm/x@1", "label": "pass", "seconds": 0.5}) + "\n")
    assert pg.done_ids(out) == {"npm/x@1"}
    assert "pass 1" in pg.summarize(out)
