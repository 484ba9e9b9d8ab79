"""The GitHub App service on PostgreSQL and procrastinate: deliveries stored (with their job, in
one transaction) a second, and jobs a second through `depshield worker` processes with the
analysis stubbed out (installation events: the handler writes one row, calls no API), with 1
and 2 workers. The engine's and the store's own overhead, written to docs/benchmarks.md.

Usage: python bench/service_engine.py [--deliveries 2000] [--threads 8] [--concurrency 2]

A real PostgreSQL is started in a temporary folder (Debian's server binaries); nothing leaves
the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT / "src"), str(HERE), str(ROOT / "tests")]
from docs_section import machine_line, write_section  # noqa: E402
from server_load import make_key  # noqa: E402
from support.postgres import Postgres  # noqa: E402


def installation(n: int) -> bytes:
    account = {"login": f"org-{n}", "id": n, "type": "Organization"}
    return json.dumps({"action": "created", "installation": {"id": n, "account": account}}).encode()


def store_deliveries(database: str, count: int, threads: int) -> tuple[float, list[float]]:
    """(deliveries a second, each enqueue's milliseconds) through the call `serve` makes."""
    from depshield.server.store import PostgresStore

    store = PostgresStore(database)

    def one(n: int) -> float:
        started = time.perf_counter()
        assert store.enqueue(str(uuid.uuid4()), "installation", n, installation(n))
        return (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        times = list(pool.map(one, range(1, count + 1)))
    return count / (time.perf_counter() - started), times


OCTOKIT = ROOT / ".cache" / "npm-fixtures" / "node_modules" / "@octokit" / "webhooks-examples"


def table_bytes(database: str, *tables: str) -> int:
    """On disk, with indexes and TOAST (pg_total_relation_size)."""
    import psycopg

    with psycopg.connect(database) as db:
        return sum(
            int(db.execute("SELECT pg_total_relation_size(%s)", (t,)).fetchone()[0]) for t in tables
        )


def delivery_bytes(pg: Postgres, count: int) -> tuple[float, float]:
    """(stored bytes a pull_request delivery, its raw payload's mean bytes): GitHub's own
    example payloads (@octokit/webhooks-examples, as the tests install it), stored, not run."""
    from depshield.server.store import PostgresStore

    doc = json.loads((OCTOKIT / "api.github.com" / "index.json").read_text())
    examples = next(e["examples"] for e in doc if e["name"] == "pull_request")
    bodies = [json.dumps(e).encode() for e in examples]
    database = pg.create_database("footprint")
    store = PostgresStore(database)
    before = table_bytes(database, "depshield_deliveries")
    for n in range(count):
        store.enqueue(str(uuid.uuid4()), "pull_request", 1, bodies[n % len(bodies)])
    grown = table_bytes(database, "depshield_deliveries") - before
    raw = sum(len(bodies[n % len(bodies)]) for n in range(count))
    return grown / count, raw / count


def run_workers(database: str, workers: int, concurrency: int, tmp: Path) -> tuple[float, float]:
    """(wall seconds from the workers' start to the last job done, jobs a second between the
    first and the last job done: the steady rate, without process start-up)."""
    import psycopg

    key, _ = make_key(tmp)
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "TMPDIR")}
    env.update(
        HOME=str(tmp), DEPSHIELD_HOME=str(tmp / "ds"), DEPSHIELD_DATABASE_URL=database,
        DEPSHIELD_GITHUB_APP_ID="4242", DEPSHIELD_GITHUB_PRIVATE_KEY_FILE=str(key),
        DEPSHIELD_WEBHOOK_SECRET="bench", DEPSHIELD_GITHUB_API_URL="http://127.0.0.1:9",
        PYTHONPATH=str(ROOT / "src"),
    )  # fmt: skip
    started = time.time()
    command = [sys.executable, "-m", "depshield", "worker", "--once"]
    procs = [
        subprocess.Popen([*command, "--concurrency", str(concurrency)], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(workers)
    ]  # fmt: skip
    for proc in procs:
        assert proc.wait() == 0
    with psycopg.connect(database) as db:
        done, first, last = db.execute(
            "SELECT count(*), min(finished), max(finished) FROM depshield_deliveries "
            "WHERE state = 'done' AND processed = 1"
        ).fetchone()
        total = db.execute("SELECT count(*) FROM depshield_deliveries").fetchone()[0]
    assert done == total, f"{total - done} deliveries not done exactly once"
    return last - started, (done - 1) / (last - first)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args(argv)
    rows = []
    job_bytes = 0.0
    pg = Postgres()
    try:
        with tempfile.TemporaryDirectory(prefix="ds-engine-bench-") as tmp:
            for workers in (1, 2):
                database = pg.create_database(f"engine_{workers}")
                rate, times = store_deliveries(database, args.deliveries, args.threads)
                folder = Path(tmp) / f"w{workers}"
                folder.mkdir()
                wall, steady = run_workers(database, workers, args.concurrency, folder)
                jobs = table_bytes(database, "procrastinate_jobs", "procrastinate_events")
                job_bytes = jobs / args.deliveries
                p99 = sorted(times)[round(0.99 * (len(times) - 1))]
                rows.append(
                    f"| {workers} x concurrency {args.concurrency} | {args.deliveries} | "
                    f"{rate:.0f}/s, p50 {statistics.median(times):.1f} ms, p99 {p99:.1f} ms | "
                    f"{wall:.1f} s | **{args.deliveries / wall:.0f} jobs/s** | "
                    f"{steady:.0f} jobs/s |"
                )
        stored, raw = delivery_bytes(pg, 500)
    finally:
        pg.close()
    command = (
        f"python bench/service_engine.py --deliveries {args.deliveries} --threads "
        f"{args.threads} --concurrency {args.concurrency}"
    )
    text = "\n".join(
        [
            "## The service on PostgreSQL: store and engine overhead (`bench/service_engine.py`)",
            "",
            machine_line(),
            "",
            f"Command: `{command}`. PostgreSQL 15 in a temporary folder as the tests start "
            "it (fsync off: `pg_ctl -o -F`, so a commit costs no disk flush here; on a real "
            "disk each stored delivery waits for one WAL flush). Deliveries are stored by "
            f"`PostgresStore.enqueue` from {args.threads} threads, the call `depshield serve` "
            "makes before its 202 (delivery row + procrastinate job, one transaction); then "
            "`depshield worker --once` processes run them. The analysis is stubbed out: "
            "installation events, whose handler writes one row and calls no API, so the "
            "figures are the engine's and the store's own cost per job (fetch, start, "
            "handler, done, procrastinate's bookkeeping). Every delivery checked done exactly "
            "once.",
            "",
            "| workers | deliveries | stored (with job) | wall, workers' start to last done "
            "| jobs/s | steady jobs/s (first to last done) |",
            "|---|---:|---|---:|---:|---:|",
            *rows,
            "",
            "Database footprint (`pg_total_relation_size`: tables with indexes and TOAST): a "
            "`pull_request` delivery row with its payload (GitHub's example payloads, "
            f"{raw / 1024:.1f} KiB of JSON on average, 500 stored) takes **{stored / 1024:.1f} "
            f"KiB**; its finished job and events **{job_bytes / 1024:.1f} KiB** more "
            f"(procrastinate_jobs + procrastinate_events over the {args.deliveries} jobs run).",
        ]
    )
    write_section(ROOT / "docs" / "benchmarks.md", "service-engine", text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
