"""The registry monitor on procrastinate and PostgreSQL: releases a second and publish-to-verdict
latency with 1 and 2 workers, and the engine's own overhead (jobs a second with no analysis).

Usage: python bench/monitor.py [--events 300] [--jobs 1000]

A real PostgreSQL is started in a temporary folder (Debian's server binaries) and a changes feed
with its packuments and tarballs is replayed on loopback (tests/monitor/feed.py): nothing leaves
the machine, nothing runs package code.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "monitor"))
from docs_section import machine_line, write_section  # noqa: E402
from feed import serve_feed  # noqa: E402
from support.postgres import Postgres  # noqa: E402
from support.registry_server import RegistryServer  # noqa: E402


def env_for(tmp: Path, database: str, registry: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "TMPDIR", "PYTHONPATH")}
    (tmp / "home").mkdir(parents=True, exist_ok=True)
    env.update(HOME=str(tmp / "home"), DEPSHIELD_HOME=str(tmp / "ds"),
               DEPSHIELD_DATABASE_URL=database, npm_config_registry=registry,
               npm_config_userconfig=str(tmp / "npmrc"), NO_PROXY="127.0.0.1")  # fmt: skip
    return env


def depshield(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "depshield", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip


def throughput(pg: Postgres, workers: int, events: int, tmp: Path) -> str:
    import psycopg

    server = RegistryServer()
    try:
        feed = serve_feed(server, events=events)
        database = pg.create_database(f"bench_{workers}")
        env = env_for(tmp / f"w{workers}", database, server.url)
        depshield(env, "monitor", "--npm-feed", feed.url, "--once").wait()
        started = time.time()
        procs = [depshield(env, "worker", "--once") for _ in range(workers)]
        for proc in procs:
            proc.wait()
        wall = time.time() - started
        with psycopg.connect(database) as db:
            rows = db.execute(
                "SELECT extract(epoch FROM analysed) - extract(epoch FROM seen)"
                " FROM depshield_monitor_result"
            ).fetchall()
            FOOTPRINT[workers] = footprint(db, len(rows))
    finally:
        server.close()
    latencies = sorted(float(r[0]) for r in rows)
    p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
    return (
        f"| {workers} | {feed.events} events, {len(rows)} releases | {wall:.1f} s | "
        f"{len(rows) / wall:.2f} | {statistics.median(latencies):.1f} s / {p99:.1f} s |"
    )


FOOTPRINT: dict[int, str] = {}
TABLES = ("depshield_monitor_result", "depshield_mal_record", "depshield_analyses",
          "procrastinate_jobs", "procrastinate_events")  # fmt: skip


def footprint(db: Any, releases: int) -> str:
    """Bytes on disk a release (tables with their indexes and TOAST), for the year on paper."""
    sizes = {
        table: int(db.execute("SELECT pg_total_relation_size(%s)", (table,)).fetchone()[0])
        for table in TABLES
    }
    total = sum(sizes.values())
    parts = ", ".join(f"{t} {n / releases / 1024:.1f} KiB" for t, n in sizes.items())
    return f"{total / releases / 1024:.1f} KiB a release over {releases} releases ({parts})"


def engine_overhead(pg: Postgres, jobs: int) -> str:
    import procrastinate

    database = pg.create_database("bench_engine")
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=database))

    @app.task(name="bench.noop", queue="bench")
    def noop(n: int) -> int:
        return n

    with app.open():
        app.schema_manager.apply_schema()
        started = time.perf_counter()
        for n in range(jobs):
            noop.defer(n=n)
        deferred = time.perf_counter() - started
        started = time.perf_counter()
        app.run_worker(queues=["bench"], wait=False, concurrency=4, install_signal_handlers=False)
        ran = time.perf_counter() - started
    return (
        f"Engine overhead, analysis stubbed out (a no-op task, one worker of concurrency 4): "
        f"{jobs} jobs deferred at **{jobs / deferred:.0f} jobs/s**, run at "
        f"**{jobs / ran:.0f} jobs/s**."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=1000)
    args = parser.parse_args(argv)
    started = time.time()
    pg = Postgres()
    try:
        with tempfile.TemporaryDirectory(prefix="ds-monitor-bench-") as tmp:
            rows = [throughput(pg, n, args.events, Path(tmp)) for n in (1, 2)]
        engine = engine_overhead(pg, args.jobs)
    finally:
        pg.close()
    text = "\n".join(
        [
            "## Registry monitor (`bench/monitor.py`)",
            "",
            machine_line(),
            "",
            f"Command: `python bench/monitor.py --events {args.events} --jobs {args.jobs}` "
            f"({(time.time() - started) / 60:.1f} min). PostgreSQL 15 in a temporary folder; a "
            "changes feed replayed on loopback (each release is fetched, analysed and diffed "
            "against the version before it, so two analyses a release).",
            "",
            "| workers | input | wall time | releases/s | publish-to-verdict p50 / p99 |",
            "|---|---|---|---|---|",
            *rows,
            "",
            engine,
            "",
            "Database footprint after the 2-worker run (`pg_total_relation_size`, tables with "
            f"indexes and TOAST; an upper bound, a few rows still pay for whole 8 KiB pages): "
            f"{FOOTPRINT.get(2, '-')}.",
        ]
    )
    write_section(ROOT / "docs" / "benchmarks.md", "monitor", text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
