"""`depshield serve` on PostgreSQL with `depshield worker` processes, as the deployment runs them:
a burst of 1,000 deliveries is exactly once in effect across two workers, a worker killed mid-job
loses nothing, and the server answers 2xx only after the delivery and its job are committed."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from payloads import INSTALLATION, pick, pull_request
from service_support import REPO, commit_lock, headers, service_env
from test_restart import TREES, free_port, start

TIMEOUT = 600.0  # only a hang gets near this
PULLS, EVENTS_PER_PULL, INSTALLATIONS, REDELIVERIES = 25, 4, 400, 500
# Backends waiting for a lock: the store's INSERT of a delivery, a worker's pull-request lock.
WAITING = "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
WAITING_INSERT = WAITING + "query LIKE 'INSERT INTO depshield_deliveries%'"
WAITING_ADVISORY = WAITING + "wait_event = 'advisory'"


def pg_env(github: Any, app_key: tuple[Path, str], tmp: Path, database: str) -> dict[str, str]:
    env = {**os.environ, **service_env(github, app_key, tmp / "not-used.sqlite3")}
    env["DEPSHIELD_DATABASE_URL"] = database
    return env


def logfile(env: dict[str, str], name: str) -> Any:
    """Where a process's JSON logs go (a pipe nobody reads would fill and stall it)."""
    return open(Path(env["DEPSHIELD_HOME"]).parent / f"{name}.log", "ab")  # noqa: SIM115


def serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    with logfile(env, "serve") as log:
        return start(env, port, stderr=log)


def worker(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "depshield", "worker", "--stalled-after", "2", *args]
    with logfile(env, f"worker-{uuid.uuid4().hex[:8]}") as log:
        return subprocess.Popen(command, env=env, stderr=log)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def query(database: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(database) as db:
        return db.execute(sql).fetchall()


def wait_done(database: str, expected: int, procs: list[subprocess.Popen[bytes]]) -> None:
    """Until every delivery is done (the test's own deadline, not a timing assertion)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        states = dict(
            query(database, "SELECT state, count(*) FROM  depshield_deliveries GROUP BY 1")
        )
        if states.get("done") == expected:
            return
        dead = [p.args for p in procs if p.poll() is not None]
        assert not dead, f"exited early: {dead} (logs beside DEPSHIELD_HOME)"
        time.sleep(0.2)
    raise AssertionError(f"deliveries still pending: {states}")


def burst(examples: Any, base: str, head: str) -> list[tuple[str, str, bytes]]:
    """(delivery id, event, body): pull-request events on PULLS pull requests, one installation
    event per installation, and REDELIVERIES copies of earlier ids, all shuffled together."""
    originals = []
    for number in range(1, PULLS + 1):
        for n in range(EVENTS_PER_PULL):
            payload = pull_request(examples, "opened" if n == 0 else "synchronize", number,
                                   base, head)  # fmt: skip
            originals.append((str(uuid.uuid4()), "pull_request", json.dumps(payload).encode()))
    for installation in range(1, INSTALLATIONS + 1):
        payload = pick(examples, "installation", "created")
        payload["installation"]["id"] = INSTALLATION * 1000 + installation
        originals.append((str(uuid.uuid4()), "installation", json.dumps(payload).encode()))
    rng = random.Random(14)
    sent = originals + [rng.choice(originals) for _ in range(REDELIVERIES)]
    rng.shuffle(sent)
    return sent


def deliver(port: int, delivery: str, event: str, body: bytes) -> httpx.Response:
    return httpx.post(f"http://127.0.0.1:{port}/webhook", content=body, timeout=120,
                      headers=headers(event, body, delivery))  # fmt: skip


@dataclass
class Service:
    """`depshield serve` on PostgreSQL, the workers a test starts, the pull request's commits."""

    env: dict[str, str]
    port: int
    database: str
    examples: Any
    base: str
    head: str  # adds evil-helper: a blocking change
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def worker(self, *args: str) -> subprocess.Popen[bytes]:
        self.procs.append(worker(self.env, *args))
        return self.procs[-1]

    def open_pr(self, number: int, action: str = "opened", delivery: str | None = None,
                head: str | None = None) -> httpx.Response:  # fmt: skip
        payload = pull_request(self.examples, action, number, self.base, head or self.head)
        return deliver(self.port, delivery or str(uuid.uuid4()), "pull_request",
                       json.dumps(payload).encode())  # fmt: skip


@pytest.fixture
def service(
    project: dict[str, Any], github: Any, app_key: tuple[Path, str], tmp_path: Path,
    webhook_examples: Any, database: str,
) -> Iterator[Service]:  # fmt: skip
    head = commit_lock(project["repo"], [project["keep"], project["evil"]], "add evil-helper")
    env = pg_env(github, app_key, tmp_path, database)
    port = free_port()
    server = serve(env, port)
    running = Service(env, port, database, webhook_examples, project["base"], head, [server])
    try:
        yield running
    finally:
        for proc in reversed(running.procs):
            stop(proc)


def test_two_workers_run_a_burst_of_1000_deliveries_once_in_effect(
    service: Service, github: Any
) -> None:
    workers = [service.worker("--concurrency", "2") for _ in range(2)]
    sent = burst(service.examples, service.base, service.head)
    assert len(sent) == 1000
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda d: deliver(service.port, *d), sent))
    assert {a.status_code for a in answers} == {202}
    queued: dict[str, int] = {}
    for (delivery, _, _), answer in zip(sent, answers, strict=True):
        queued[delivery] = queued.get(delivery, 0) + int(answer.json()["queued"])
    distinct = PULLS * EVENTS_PER_PULL + INSTALLATIONS
    assert len(queued) == distinct and set(queued.values()) == {1}  # stored once each
    wait_done(service.database, distinct, service.procs)
    # Both took jobs (a job keeps its worker's id while that worker is registered).
    shared = query(service.database, "SELECT count(DISTINCT worker_id) FROM procrastinate_jobs")
    assert shared == [(len(workers),)]
    rows = query(service.database, "SELECT state, processed, job_id FROM depshield_deliveries")
    assert len(rows) == distinct and {(s, p) for s, p, _ in rows} == {("done", 1)}
    jobs = query(service.database, "SELECT id, status FROM procrastinate_jobs")
    assert sorted(j[0] for j in jobs) == sorted(r[2] for r in rows)  # one job per delivery
    assert {j[1] for j in jobs} == {"succeeded"}
    # One comment and one check run per pull request, however many workers raced on it.
    for number in range(1, PULLS + 1):
        [only] = github.comments_on(REPO, number)
        assert "evil-helper" in only["body"] and "**BLOCK**" in only["body"]
    checks = github.checks_on(service.head)
    assert len(checks) == PULLS and {c["conclusion"] for c in checks} == {"failure"}
    # What the dashboard shows, recorded by the workers in the same database (dashboard/store.py).
    pulls = query(service.database, "SELECT count(*), min(verdict), max(verdict) FROM dash_pulls")
    assert pulls == [(PULLS, "block", "block")]
    blocked = query(service.database, "SELECT DISTINCT name, verdict FROM dash_changes")
    assert blocked == [("evil-helper", "block")]
    installations = query(
        service.database, "SELECT count(*), min(state) FROM depshield_installations"
    )
    assert installations == [(INSTALLATIONS, "created")]


def test_a_worker_killed_mid_job_loses_nothing(service: Service, github: Any) -> None:
    github.holds[TREES] = hold = threading.Event()
    victim = service.worker()
    assert service.open_pr(9).status_code == 202
    assert github.held.wait(TIMEOUT)  # the victim is inside the job, reading the base tree
    victim.send_signal(signal.SIGKILL)
    victim.wait(30)
    service.procs.remove(victim)
    assert query(service.database, "SELECT status FROM procrastinate_jobs") == [("doing",)]
    assert github.comments_on(REPO, 9) == []
    hold.set()
    del github.holds[TREES]
    # A worker already running takes the job over once the victim's heartbeat is stale.
    service.worker()
    wait_done(service.database, 1, service.procs)
    [only] = github.comments_on(REPO, 9)
    assert "evil-helper" in only["body"]
    [check] = github.checks_on(service.head)  # the check run the victim started is reused
    assert check["conclusion"] == "failure"
    deliveries = query(service.database, "SELECT attempts, processed FROM depshield_deliveries")
    assert deliveries == [(2, 1)]
    assert query(service.database, "SELECT status FROM procrastinate_jobs") == [("succeeded",)]


def test_the_answer_follows_the_commit(service: Service) -> None:
    delivery = str(uuid.uuid4())
    answers: list[httpx.Response] = []
    with psycopg.connect(service.database) as blocker:
        # The store's INSERT must wait for this lock: the server cannot answer before it.
        blocker.execute("LOCK TABLE depshield_deliveries IN EXCLUSIVE MODE")
        sender = threading.Thread(
            target=lambda: answers.append(service.open_pr(3, delivery=delivery))
        )
        sender.start()
        deadline = time.monotonic() + TIMEOUT
        while not query(service.database, WAITING_INSERT):
            assert time.monotonic() < deadline, "the INSERT never waited for the lock"
            time.sleep(0.05)
        assert answers == [] and sender.is_alive()  # its INSERT is blocked: no answer yet
        blocker.rollback()
    sender.join(TIMEOUT)
    assert [a.status_code for a in answers] == [202]
    # Answered, so committed: the delivery and its job are visible to anyone.
    stored = query(service.database, "SELECT delivery, state FROM depshield_deliveries")
    assert stored == [(delivery, "queued")]
    jobs = query(service.database, "SELECT task_name, args->>'delivery' FROM procrastinate_jobs")
    assert jobs == [("depshield:handle_delivery", delivery)]
    health = httpx.get(f"http://127.0.0.1:{service.port}/healthz").json()
    assert health["jobs"] == {"queued": 1}


def test_two_workers_on_one_pull_request_take_turns(service: Service, github: Any) -> None:
    github.holds[TREES] = hold = threading.Event()
    for _ in range(2):
        service.worker()
    try:
        for action in ("opened", "synchronize"):
            assert service.open_pr(4, action).status_code == 202
        assert github.held.wait(TIMEOUT)  # one worker is inside the scan, reading a tree
        deadline = time.monotonic() + TIMEOUT
        while not query(service.database, WAITING_ADVISORY):
            # Without the lock the other worker would be reading the tree as well.
            assert github.calls.count(("GET", TREES)) == 1, "two workers inside one pull request"
            assert time.monotonic() < deadline, "the second job never waited for the first"
            time.sleep(0.05)
    finally:
        hold.set()
    wait_done(service.database, 2, service.procs)
    [only] = github.comments_on(REPO, 4)
    assert "evil-helper" in only["body"]
    [check] = github.checks_on(service.head)
    assert check["conclusion"] == "failure"


def test_a_delivery_the_database_refuses_is_not_acknowledged(service: Service) -> None:
    delivery = str(uuid.uuid4())
    with psycopg.connect(service.database, autocommit=True) as db:
        db.execute("ALTER TABLE depshield_deliveries RENAME TO depshield_deliveries_away")
        refused = service.open_pr(6, delivery=delivery)
        db.execute("ALTER TABLE depshield_deliveries_away RENAME TO depshield_deliveries")
    assert refused.status_code == 503
    assert refused.json()["message"] == "the delivery could not be stored"
    again = service.open_pr(6, delivery=delivery)  # GitHub's redelivery
    assert again.status_code == 202 and again.json()["queued"] is True


@pytest.mark.parametrize(
    ("url", "code", "message"),
    [
        ("postgresql://depshield@127.0.0.1:9/none", 3,
         "the service database refused or dropped the request"),
        ("sqlite:///service.db", 2, "DEPSHIELD_DATABASE_URL is not a postgresql:// URL"),
    ],
)  # fmt: skip
def test_serve_says_what_is_wrong_with_its_database(
    github: Any, app_key: tuple[Path, str], tmp_path: Path, url: str, code: int, message: str
) -> None:
    env = pg_env(github, app_key, tmp_path, url)
    env["DEPSHIELD_HOME"] = str(tmp_path / "home")
    done = subprocess.run([sys.executable, "-m", "depshield", "serve", "--port", "1"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == code, done.stderr
    assert message in done.stderr
    assert "Tip:" in done.stderr and "Traceback" not in done.stderr
