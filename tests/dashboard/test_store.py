"""The results store, on SQLite and on a real PostgreSQL, filled by real pull-request scans."""

from __future__ import annotations

import json

from filled_store import HOSTILE, Filled


def test_runs_changes_and_packages_are_recorded(filled: Filled) -> None:
    store = filled.store
    runs = store.query("SELECT repo, pr, verdict FROM dash_runs ORDER BY at")
    assert runs[:3] == [
        ("acme/shop", 1, "block"),
        ("acme/api", 7, "block"),
        ("acme/docs", 3, "pass"),
    ]
    changes = store.query(
        "SELECT c.kind, c.name, c.old, c.new, c.verdict FROM dash_changes c "
        "JOIN dash_runs r ON r.id = c.run WHERE r.repo = 'acme/shop' ORDER BY c.name"
    )
    assert changes == [
        ("added", "@acme-typo/colors", None, "1.0.3", "block"),
        ("removed", "old-util", "2.0.0", None, "pass"),
        ("upgraded", "tidy-pad", "1.0.0", "1.1.0", "pass"),
    ]


def test_a_judged_package_keeps_scores_alerts_and_digest(filled: Filled) -> None:
    rows = filled.store.query(
        "SELECT verdict, overall, digest, doc FROM dash_packages WHERE name = ? AND version = ?",
        [filled.stealer, "1.0.3"],
    )
    verdict, overall, digest, doc = rows[0]
    body = json.loads(doc)
    assert verdict == "block" and overall == body["scores"]["overall"] < 50
    assert digest.startswith("sha256-") and body["digest"] == digest
    found = {(a["type"], a["file"], a["line"]) for a in body["alerts"]}
    assert ("installScripts", "package.json", 7) in found
    assert ("dataExfiltration", "collect.js", 9) in found
    assert set(body["scores"]) == {
        "supplyChain", "quality", "maintenance", "vulnerability", "license", "overall"
    }  # fmt: skip


def test_paths_into_each_repository(filled: Filled) -> None:
    rows = filled.store.query(
        "SELECT repo, lockfile, path FROM dash_paths WHERE name = ? ORDER BY repo", [filled.stealer]
    )
    assert [r[0] for r in rows] == ["acme/api", "acme/shop"]
    assert all(lockfile.endswith("package-lock.json") for _, lockfile, _ in rows)


def test_hostile_text_is_stored_verbatim(filled: Filled) -> None:
    # Escaping belongs to the renderer: the store keeps exactly what was judged.
    rows = filled.store.query("SELECT name FROM dash_packages WHERE name = ?", [HOSTILE])
    assert rows == [(HOSTILE,)]


def test_an_upgraded_package_remembers_its_previous_version(filled: Filled) -> None:
    (doc,) = filled.store.query(
        "SELECT doc FROM dash_packages WHERE name = 'tidy-pad' AND version = '1.1.0'"
    )[0]
    body = json.loads(doc)
    assert body["previous"] == "1.0.0" and body["versionDiff"]["change"] == "minor"


def test_ignores_and_pull_state(filled: Filled) -> None:
    store = filled.store
    store.record_ignore("acme/docs", 3, "evalish@0.2.0", "someone-else", "again")  # kept once
    assert store.query("SELECT by_user FROM dash_ignores WHERE repo = 'acme/docs'") == [
        ("maintainer-1",)
    ]
    store.set_state("acme/shop", 1, "closed")
    store.set_state("acme/shop", 1, "closed")
    assert store.query("SELECT state, verdict FROM dash_pulls WHERE repo = 'acme/shop'") == [
        ("closed", "block")
    ]


def test_a_run_recorded_late_does_not_replace_the_latest(filled: Filled) -> None:
    from filled_store import hostile_report

    store = filled.store
    store.record_run("acme/shop", 1, "b", "old-head", hostile_report(), "late", at=1.0)
    assert store.query("SELECT verdict, head FROM dash_pulls WHERE repo = 'acme/shop'") == [
        ("block", "0" * 40)
    ]
