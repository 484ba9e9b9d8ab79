"""The overview's refusals: the registry proxy's audit log (SQLite) and the registry monitor's
results (PostgreSQL), written by their own code, read only by the dashboard."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from depshield.proxy.audit import AuditLog, Entry

JSON = {"accept": "application/json"}


def test_proxy_refusals_are_shown(
    web: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert web.get("/", headers=JSON).json()["refusals"] == []  # no audit log: nothing
    log = AuditLog(tmp_path / "proxy" / "audit.sqlite", tmp_path / "proxy" / "audit.jsonl")
    refused = Entry("127.0.0.1", "npm", "<b>evil</b>", "1.0.0", None, "block", False,
                    "blocked: dataExfiltration in collect.js:9")  # fmt: skip
    log.record(refused)
    log.record(Entry("127.0.0.1", "npm", "fine", "2.0.0", None, "pass", True, "passed"))
    log.close()
    monkeypatch.setenv("DEPSHIELD_PROXY_AUDIT_DB", str(tmp_path / "proxy" / "audit.sqlite"))
    [shown] = web.get("/", headers=JSON).json()["refusals"]
    assert (shown["source"], shown["name"], shown["verdict"]) == ("proxy", "<b>evil</b>", "block")
    assert "collect.js:9" in shown["reason"]
    page = web.get("/").text
    assert "&lt;b&gt;evil&lt;/b&gt;" in page and "<b>evil" not in page


def test_monitor_refusals_are_shown_on_postgresql(web: Any, store_url: str) -> None:
    if not store_url.startswith("postgresql"):
        assert web.get("/", headers=JSON).json()["refusals"] == []  # SQLite: no monitor tables
        return
    from depshield.monitor.store import Result, Store

    monitor = Store(store_url)
    monitor.migrate()
    alert = {"type": "malware", "file": None, "line": None}
    monitor.record(Result("npm:bad@1.0.0", "npm", "bad", "1.0.0", None, "block", None, [alert],
                          time.time()), None)  # fmt: skip
    monitor.record(Result("npm:ok@1.0.0", "npm", "ok", "1.0.0", None, "pass", None, [],
                          time.time()), None)  # fmt: skip
    [shown] = web.get("/", headers=JSON).json()["refusals"]
    assert (shown["source"], shown["name"], shown["version"]) == ("monitor", "bad", "1.0.0")
