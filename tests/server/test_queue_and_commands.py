"""The SQLite queue (dedup, lease recovery, per-installation rate, retries) and the parsing of
comment commands."""

from __future__ import annotations

from pathlib import Path

from depshield.server.commands import Command, parse
from depshield.server.queue import Queue


def test_a_delivery_is_stored_once(tmp_path: Path) -> None:
    queue = Queue(tmp_path / "q.db")
    assert queue.enqueue("d-1", "pull_request", 1, b"{}") is True
    assert queue.enqueue("d-1", "pull_request", 1, b"{}") is False
    assert queue.counts() == {"queued": 1}


def test_a_claimed_job_is_not_claimed_again_until_its_lease_runs_out(tmp_path: Path) -> None:
    queue = Queue(tmp_path / "q.db")
    queue.enqueue("d-1", "pull_request", 1, b"{}")
    job = queue.claim(rate=10, now=1000.0)
    assert job is not None and job.attempts == 1
    assert queue.claim(rate=10, now=1001.0) is None
    again = queue.claim(rate=10, now=1000.0 + 901)  # the lease (900 s) has run out
    assert again is not None and again.attempts == 2


def test_recover_requeues_what_a_dead_process_was_running(tmp_path: Path) -> None:
    queue = Queue(tmp_path / "q.db")
    queue.enqueue("d-1", "pull_request", 1, b"{}")
    assert queue.claim(rate=10) is not None
    assert Queue(tmp_path / "q.db").recover() == 1
    assert queue.counts() == {"queued": 1}


def test_per_installation_rate(tmp_path: Path) -> None:
    queue = Queue(tmp_path / "q.db")
    for i in range(3):
        queue.enqueue(f"busy-{i}", "pull_request", 1, b"{}")
    queue.enqueue("other", "pull_request", 2, b"{}")
    claimed = [queue.claim(rate=2, now=5000.0) for _ in range(4)]
    names = [job.delivery for job in claimed if job is not None]
    assert names == ["busy-0", "busy-1", "other"]  # installation 1 waits for its minute
    later = queue.claim(rate=2, now=5061.0)
    assert later is not None and later.delivery == "busy-2"


def test_retry_backs_off_then_fails(tmp_path: Path) -> None:
    queue = Queue(tmp_path / "q.db")
    queue.enqueue("d-1", "pull_request", 1, b"{}")
    assert queue.retry("d-1", "boom", attempts=1, max_attempts=2) is True
    assert queue.claim(rate=10) is None  # not before the backoff
    assert queue.retry("d-1", "boom", attempts=2, max_attempts=2) is False
    assert queue.counts() == {"failed": 1}


def test_done_counts_processing(tmp_path: Path) -> None:
    queue = Queue(tmp_path / "q.db")
    queue.enqueue("d-1", "ping", None, b"{}")
    job = queue.claim(rate=1)
    assert job is not None
    queue.done(job.delivery, "ok")
    row = queue._db().execute("SELECT state, processed FROM jobs").fetchone()
    assert row == ("done", 1)


def test_commands() -> None:
    body = (
        "Looks fine.\n@depshield ignore evil-helper@1.0.1\n"
        "> @depshield ignore-all\n@depshield rescan\n@depshield ignore @scope/pkg@2.0.0\n"
        "@depshield ignore requests==2.31.0\n@depshield please ignore-all\n"
    )
    assert parse(body) == [
        Command("ignore", "evil-helper@1.0.1"),
        Command("rescan"),
        Command("ignore", "@scope/pkg@2.0.0"),
        Command("ignore", "requests==2.31.0"),
    ]
    assert parse("@DepShield ignore-all") == [Command("ignore-all")]
    assert parse("@depshieldx rescan") == []
    assert parse("@depshield ignore evil-helper") == []  # a version is required
