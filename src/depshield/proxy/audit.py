"""The audit log: every decision the proxy took, in SQLite (for counts) and as JSON lines."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    client TEXT NOT NULL,
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT,
    digest TEXT,
    verdict TEXT NOT NULL,
    served INTEGER NOT NULL,
    reason TEXT NOT NULL,
    alerts TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_at ON decisions (at);
"""


@dataclass(frozen=True, slots=True)
class Entry:
    client: str
    ecosystem: str
    name: str
    version: str | None
    digest: str | None
    verdict: str  # pass | monitor | warn | block | unchecked
    served: bool
    reason: str
    alerts: tuple[dict[str, Any], ...] = ()

    def to_json(self, at: float) -> dict[str, Any]:
        return {
            "time": at,
            "client": self.client,
            "ecosystem": self.ecosystem,
            "name": self.name,
            "version": self.version,
            "digest": self.digest,
            "verdict": self.verdict,
            "served": self.served,
            "reason": self.reason,
            "alerts": list(self.alerts),
        }


class AuditLog:
    """Append-only; safe to call from the event loop and from analysis threads."""

    def __init__(self, db_path: Path, jsonl_path: Path) -> None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        self._jsonl = jsonl_path.open("a", encoding="utf-8")

    def record(self, entry: Entry) -> None:
        at = time.time()
        row = (
            at,
            entry.client,
            entry.ecosystem,
            entry.name,
            entry.version,
            entry.digest,
            entry.verdict,
            int(entry.served),
            entry.reason,
            json.dumps(list(entry.alerts)),
        )
        with self._lock:
            self._db.execute(
                "INSERT INTO decisions (at, client, ecosystem, name, version, digest, verdict,"
                " served, reason, alerts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            self._jsonl.write(json.dumps(entry.to_json(at), sort_keys=True) + "\n")
            self._jsonl.flush()

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self._jsonl.close()


def counts(db_path: Path) -> dict[str, Any]:
    """Decisions by verdict and served/refused, read straight from the log (proxy up or down)."""
    if not db_path.is_file():
        return {"decisions": 0, "served": 0, "refused": 0, "by_verdict": {}}
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        by_verdict = dict(db.execute("SELECT verdict, COUNT(*) FROM decisions GROUP BY verdict"))
        served, total = db.execute(
            "SELECT COALESCE(SUM(served), 0), COUNT(*) FROM decisions"
        ).fetchone()
        last = db.execute(
            "SELECT at, ecosystem, name, version, verdict, reason FROM decisions"
            " WHERE served = 0 ORDER BY at DESC LIMIT 10"
        ).fetchall()
    finally:
        db.close()
    return {
        "decisions": total,
        "served": served,
        "refused": total - served,
        "by_verdict": by_verdict,
        "last_refused": [
            {
                "time": r[0],
                "ecosystem": r[1],
                "name": r[2],
                "version": r[3],
                "verdict": r[4],
                "reason": r[5],
            }
            for r in last
        ],
    }
