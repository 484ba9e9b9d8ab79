"""The results store: every pull-request run the service judged and every package it judged,
in its own `dash_*` tables (portable SQL, SQLite or PostgreSQL through `dashboard.db`)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from depshield.dashboard.db import Database, Row
from depshield.dashboard.purls import normal

if TYPE_CHECKING:
    from depshield.pr.report import Assessed, PrReport

SCHEMA = """
CREATE TABLE IF NOT EXISTS dash_runs (
  id TEXT PRIMARY KEY, repo TEXT NOT NULL, pr INTEGER NOT NULL, base TEXT NOT NULL,
  head TEXT NOT NULL, verdict TEXT NOT NULL, at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS dash_runs_pull ON dash_runs (repo, pr, at, verdict);
CREATE INDEX IF NOT EXISTS dash_runs_at ON dash_runs (at, verdict);
CREATE TABLE IF NOT EXISTS dash_run_docs (
  run TEXT PRIMARY KEY, body TEXT NOT NULL, report TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dash_changes (
  run TEXT NOT NULL, repo TEXT NOT NULL, pr INTEGER NOT NULL, at DOUBLE PRECISION NOT NULL,
  kind TEXT NOT NULL, ecosystem TEXT NOT NULL, name TEXT NOT NULL, old TEXT, new TEXT,
  verdict TEXT NOT NULL, lockfile TEXT NOT NULL, line INTEGER NOT NULL, path TEXT NOT NULL,
  ignored_by TEXT
);
CREATE INDEX IF NOT EXISTS dash_changes_run ON dash_changes (run);
CREATE INDEX IF NOT EXISTS dash_changes_package ON dash_changes (ecosystem, name, new);
CREATE INDEX IF NOT EXISTS dash_changes_verdict ON dash_changes (verdict, ecosystem, name);
CREATE TABLE IF NOT EXISTS dash_packages (
  ecosystem TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL, verdict TEXT NOT NULL,
  overall INTEGER, digest TEXT, at DOUBLE PRECISION NOT NULL, doc TEXT NOT NULL,
  name_key TEXT NOT NULL, PRIMARY KEY (ecosystem, name, version)
);
CREATE INDEX IF NOT EXISTS dash_packages_name ON dash_packages (name);
CREATE INDEX IF NOT EXISTS dash_packages_key ON dash_packages (ecosystem, name_key, version);
CREATE TABLE IF NOT EXISTS dash_paths (
  ecosystem TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL, repo TEXT NOT NULL,
  lockfile TEXT NOT NULL, line INTEGER NOT NULL, path TEXT NOT NULL,
  at DOUBLE PRECISION NOT NULL, PRIMARY KEY (ecosystem, name, version, repo, lockfile, path)
);
CREATE TABLE IF NOT EXISTS dash_ignores (
  repo TEXT NOT NULL, pr INTEGER NOT NULL, package TEXT NOT NULL, by_user TEXT NOT NULL,
  at DOUBLE PRECISION NOT NULL, why TEXT NOT NULL, PRIMARY KEY (repo, pr, package)
);
CREATE TABLE IF NOT EXISTS dash_pulls (
  repo TEXT NOT NULL, pr INTEGER NOT NULL, state TEXT NOT NULL, verdict TEXT, head TEXT,
  at DOUBLE PRECISION, PRIMARY KEY (repo, pr)
);
CREATE INDEX IF NOT EXISTS dash_pulls_open ON dash_pulls (state, at);
CREATE INDEX IF NOT EXISTS dash_pulls_repo ON dash_pulls (repo, at)
"""
_RUN = "INSERT INTO dash_runs VALUES (?, ?, ?, ?, ?, ?, ?)"
# The comment and the whole report apart: the overview's scans of runs stay small.
_RUN_DOC = "INSERT INTO dash_run_docs VALUES (?, ?, ?)"
_CHANGE = "INSERT INTO dash_changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
# name_key: the name as it compares (PEP 503 for PyPI: `Flask_Login` is `flask-login`).
_PACKAGE = """INSERT INTO dash_packages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (ecosystem, name, version) DO UPDATE SET verdict = excluded.verdict,
  overall = excluded.overall, digest = excluded.digest, at = excluded.at, doc = excluded.doc"""
_PATH = """INSERT INTO dash_paths VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (ecosystem, name, version, repo, lockfile, path) DO UPDATE SET
  line = excluded.line, at = excluded.at"""
_IGNORE = """INSERT INTO dash_ignores VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (repo, pr, package) DO NOTHING"""
_STATE = """INSERT INTO dash_pulls VALUES (?, ?, ?, NULL, NULL, NULL)
ON CONFLICT (repo, pr) DO UPDATE SET state = excluded.state"""
# Each pull request's latest run, for the overview (its lists read one row per pull request).
# A run marks it open only the first time (a rescan of a closed one keeps it closed), and a run
# recorded late never replaces a newer one.
_LATEST = """INSERT INTO dash_pulls VALUES (?, ?, 'open', ?, ?, ?)
ON CONFLICT (repo, pr) DO UPDATE SET verdict = excluded.verdict, head = excluded.head,
  at = excluded.at WHERE dash_pulls.at IS NULL OR dash_pulls.at <= excluded.at"""


class ResultsStore:
    """Writes from the PR handler, reads for the pages; safe to share between threads."""

    def __init__(self, url: str) -> None:
        self.db = Database(url)
        self.db.script(SCHEMA)

    def close(self) -> None:
        self.db.close()

    # --- writing ----------------------------------------------------------------------------

    def record_run(
        self, repo: str, pr: int, base: str, head: str, report: PrReport, body: str,
        at: float | None = None,
    ) -> str:  # fmt: skip
        """One judged pull-request run, its changes and the packages it judged; its id."""
        at = time.time() if at is None else at
        run = uuid.uuid4().hex
        doc = json.dumps(report.to_json(), sort_keys=True)
        row = (run, repo, pr, base, head, report.verdict, at)
        items = list(report.items)
        self.db.batch(
            [
                (_RUN, [row]),
                (_RUN_DOC, [(run, body, doc)]),
                (_CHANGE, [_change_row(run, repo, pr, at, i) for i in items]),
                (_PACKAGE, [_package_row(i, at) for i in items if i.result is not None]),
                (_PATH, [_path_row(repo, i, at) for i in items if i.result is not None]),
                (_LATEST, [(repo, pr, report.verdict, head, at)]),
                (_IGNORE, [(repo, pr, pkg, by, at, "") for pkg, by in report.ignores]),
            ]
        )
        return run

    def record_ignore(
        self, repo: str, pr: int, package: str, by: str, why: str, at: float | None = None
    ) -> None:
        """An ignore command as it was given: who, when and the comment that said why."""
        row = (repo, pr, package, by, time.time() if at is None else at, why[:2000])
        self.db.execute(_IGNORE, row)

    def set_state(self, repo: str, pr: int, state: str) -> None:
        """`open` or `closed` (GitHub's `closed` and `reopened` actions)."""
        self.db.execute(_STATE, (repo, pr, state))

    # --- reading ----------------------------------------------------------------------------

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        return self.db.query(sql, args)


def _change_row(run: str, repo: str, pr: int, at: float, item: Assessed) -> tuple[Any, ...]:
    c = item.change
    return (run, repo, pr, at, c.kind, c.ecosystem, c.name, c.old, c.new, item.verdict,
            c.lockfile, c.line, c.introduced_by, item.ignored_by)  # fmt: skip


def _package_row(item: Assessed, at: float) -> tuple[Any, ...]:
    result = item.result
    assert result is not None
    doc = result.to_json()
    doc["previous"] = item.change.old
    doc["versionDiff"] = item.to_json()["versionDiff"]
    doc["license"] = item.diff.license[1] if item.diff else None
    ref = result.ref
    return (ref.ecosystem, ref.name, ref.version or "", result.verdict, result.scores.overall,
            result.digest, at, json.dumps(doc, sort_keys=True),
            normal(ref.ecosystem, ref.name))  # fmt: skip


def _path_row(repo: str, item: Assessed, at: float) -> tuple[Any, ...]:
    c = item.change
    return (c.ecosystem, c.name, c.new or "", repo, c.lockfile, c.line, c.introduced_by, at)
