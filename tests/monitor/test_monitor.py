"""`depshield monitor` and `depshield worker` as processes against a real PostgreSQL and a
changes feed replayed on loopback: exactly the expected MAL- records, once each, across two
workers, a monitor stopped halfway, and a worker killed mid-job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from feed import Feed, serve_feed
from support.registry_server import RegistryServer

TIMEOUT = 600  # only a hang gets near this


def env_for(tmp: Path, database: str, registry: str) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH")  # PYTHONPATH: the code under test
    env = {k: v for k, v in os.environ.items() if k in keep}
    (tmp / "home").mkdir(exist_ok=True)
    env.update(
        HOME=str(tmp / "home"),
        DEPSHIELD_HOME=str(tmp / "depshield-home"),
        DEPSHIELD_DATABASE_URL=database,
        npm_config_registry=registry,
        npm_config_userconfig=str(tmp / "npmrc"),
        npm_config_globalconfig=str(tmp / "global-npmrc"),
        NO_PROXY="127.0.0.1",
    )
    return env


def depshield(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "depshield", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def finish(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err[-2000:]
    return out


def records(folder: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((folder / "osv" / "malicious" / "npm").glob("*/MAL-*.json")):
        record = json.loads(path.read_text())
        package = record["affected"][0]["package"]
        assert package["ecosystem"] == "npm"
        assert record["affected"][0]["versions"] == ["1.0.1"]
        assert record["id"] == path.stem and record["id"].startswith("MAL-")
        assert "dataExfiltration at steal.js:2" in record["details"]
        found.setdefault(package["name"], []).append(record["id"])
    return found


def results(database: str) -> list[tuple[str, str]]:
    with psycopg.connect(database) as db:
        return db.execute(
            "SELECT release, verdict FROM depshield_monitor_result ORDER BY release"
        ).fetchall()


@pytest.fixture
def feed(registry_server: RegistryServer) -> Feed:
    return serve_feed(registry_server)


def test_two_workers_publish_exactly_the_expected_records(
    feed: Feed, database: str, registry_server: RegistryServer, tmp_path: Path
) -> None:
    env = env_for(tmp_path, database, registry_server.url)
    out = finish(depshield(env, "monitor", "--npm-feed", feed.url, "--once"))
    distinct = len(feed.names) + len(feed.malicious)
    assert f"{distinct} releases enqueued" in out  # 300 events, one job per package
    workers = [depshield(env, "worker", "--once", "--concurrency", "2", "--osv-dir",
                         str(tmp_path / "osv-out")) for _ in range(2)]  # fmt: skip
    for worker in workers:
        finish(worker)
    finish(depshield(env, "monitor", "--npm-feed", feed.url, "--once",
                     "--osv-dir", str(tmp_path / "osv-out")))  # fmt: skip
    published = records(tmp_path / "osv-out")
    assert sorted(published) == sorted(feed.malicious)
    assert all(len(ids) == 1 for ids in published.values())
    rows = results(database)
    assert len(rows) == distinct
    verdicts = dict(rows)
    assert {verdicts[f"npm:{name}@1.0.1"] for name in feed.malicious} == {"block"}
    assert "block" not in {verdicts[f"npm:{name}@1.0.1"] for name in feed.names}


def test_a_monitor_stopped_halfway_resumes_from_its_cursor(
    feed: Feed, database: str, registry_server: RegistryServer, tmp_path: Path
) -> None:
    env = env_for(tmp_path, database, registry_server.url)
    finish(depshield(env, "monitor", "--npm-feed", feed.url, "--max-pages", "1"))
    with psycopg.connect(database) as db:
        position = db.execute("SELECT position FROM depshield_monitor_cursor").fetchone()[0]
    assert position == "100"
    finish(depshield(env, "monitor", "--npm-feed", feed.url, "--once"))
    pages = [p for p in registry_server.paths() if p.startswith("/_changes")]
    assert pages.count("/_changes?since=0&limit=100") == 1  # not read again after the restart
    assert "/_changes?since=300&limit=100" in pages
    with psycopg.connect(database) as db:
        jobs = db.execute(
            "SELECT args->>'name', count(*) FROM procrastinate_jobs GROUP BY 1"
        ).fetchall()
    assert len(jobs) == len(feed.names) + len(feed.malicious)
    assert {count for _, count in jobs} == {1}  # no release enqueued twice


def test_a_worker_killed_mid_job_loses_nothing(
    feed: Feed, database: str, registry_server: RegistryServer, tmp_path: Path
) -> None:
    env = env_for(tmp_path, database, registry_server.url)
    finish(depshield(env, "monitor", "--npm-feed", feed.url, "--once"))
    victim = depshield(env, "worker", "--stalled-after", "2", "--osv-dir", str(tmp_path / "o"))
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:  # kill it once it holds a job
        with psycopg.connect(database) as db:
            doing = db.execute(
                "SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'"
            ).fetchone()[0]
        if doing:
            break
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    time.sleep(3)  # longer than --stalled-after: its heartbeat is now stale
    finish(depshield(env, "worker", "--once", "--stalled-after", "2",
                     "--osv-dir", str(tmp_path / "o")))  # fmt: skip
    rows = results(database)
    assert len(rows) == len(feed.names) + len(feed.malicious)
    assert sorted(records(tmp_path / "o")) == sorted(feed.malicious)
