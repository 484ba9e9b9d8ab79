"""Dashboard page render time with 100 repositories and 20,000 judged packages in the results
store, written to docs/benchmarks.md between markers; optionally the docs' screenshots.

The volume is synthetic (copies of two real judgements: depshield's analysis of the inert
example credential stealer under examples/ and of a benign package, both packed as .tgz and
read as data, never run), recorded through the same `ResultsStore.record_run` the service's PR
handler calls. Each page is requested in-process through the service's Starlette app (routing,
access check, the SQL, Jinja2 rendering), one request at a time, from a loopback client.

Usage: PYTHONPATH=src .venv/bin/python bench/dashboard.py [--repos 100] [--packages 20000]
       [--requests 200] [--postgres] [--screenshots] [--no-doc]
--postgres measures a throwaway PostgreSQL cluster too (tests/support/postgres.py; Debian's
server binaries).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tarfile
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STEALER = ROOT / "examples" / "demo-app" / "npm-credential-stealer"
BLOCKED = "@acme-typo/colors"  # the name the blocked example is recorded under
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "dashboard"))
sys.path.insert(0, str(ROOT / "tests"))


def pack(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo("package/" + name)
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def judged(files: dict[str, bytes]) -> Any:
    """A real judgement of a packed artifact kept in the artifact store (for code excerpts)."""
    from depshield.api import analyze_artifact
    from depshield.artifacts.store import ArtifactStore

    stored = ArtifactStore().put_bytes(pack(files))
    return analyze_artifact(stored.path, ecosystem="npm", digest=stored.digest)


def examples() -> tuple[Any, Any]:
    stealer = {p.name: p.read_bytes() for p in STEALER.iterdir() if p.is_file()}
    benign = {
        "package.json": b'{"name": "tidy", "version": "1.0.0", "license": "MIT"}',
        "index.js": b"module.exports = (s, n) => String(s).padStart(n);\n",
    }
    return judged(stealer), judged(benign)


def fill(store: Any, repos: int, packages: int, now: float) -> None:
    """`repos` repositories, ten pull requests each, `packages` judged packages in all; one in
    fifty changes brings in the blocked example, one in ten warns."""
    from depshield.model import PackageRef
    from depshield.pr.changes import Change
    from depshield.pr.report import Assessed, PrReport
    from depshield.reports.pr_markdown import render

    stealer, benign = examples()
    rng = random.Random(15)
    pulls = repos * 10
    # One change in fifty is the same blocked package: a few more changes keep `packages`
    # distinct judged packages in the store.
    per_pull = max(1, -(-packages * 50 // (49 * pulls)))
    number = 0
    for pull in range(pulls):
        repo, pr = f"org/repo-{pull % repos:03d}", 100 + pull // repos
        items = []
        for _ in range(per_pull):
            number += 1
            bad = number % 50 == 0
            name, version = (BLOCKED, "1.0.3") if bad else (f"lib-{number:05d}", "1.0.0")
            base = stealer if bad else benign
            result = replace(base, ref=PackageRef("npm", name, version))
            if not bad and number % 10 == 0:
                result = replace(result, verdict="warn")
            change = Change("added", "npm", name, None, version, True, False,
                            "package-lock.json", number % 900 + 1, f"app > {name}")  # fmt: skip
            introduced = result.alerts if result.verdict != "pass" else ()
            items.append(Assessed(change, result, introduced=introduced))
        report = PrReport("base", "head", items)
        at = now - rng.random() * 14 * 86400
        store.record_run(repo, pr, "a" * 40, f"{pull:040d}", report, render(report), at=at)


def measure(web: Any, path: str, requests: int, headers: dict[str, str]) -> dict[str, float]:
    for _ in range(5):
        assert web.get(path, headers=headers).status_code == 200, path
    times, size = [], 0
    for _ in range(requests):
        start = time.perf_counter()
        answer = web.get(path, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        size = len(answer.content)
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return {"p50": statistics.median(times), "p99": p99, "kb": size / 1024}


def screenshots(app: Any, images: Path) -> list[str]:
    from pages_support import Live
    from playwright.sync_api import sync_playwright

    images.mkdir(parents=True, exist_ok=True)
    live = Live(app)
    shots = [("dashboard-overview.png", "/", 1100), ("dashboard-package.png",
             f"/npm/{BLOCKED}/1.0.3", 1700)]  # fmt: skip
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
            )
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            for name, path, height in shots:
                page.goto(live.url + path)
                clip = {"x": 0, "y": 0, "width": 1200, "height": height}
                page.screenshot(path=str(images / name), full_page=True, clip=clip)
            browser.close()
    finally:
        live.close()
    return [name for name, _, _ in shots]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repos", type=int, default=100)
    parser.add_argument("--packages", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--screenshots", action="store_true")
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ds-dash-bench-") as tmp:
        os.environ["DEPSHIELD_HOME"] = str(Path(tmp, "home"))
        os.environ["DEPSHIELD_PROXY_AUDIT_DB"] = str(Path(tmp, "no-proxy.sqlite"))
        return run(args, Path(tmp))


def run(args: argparse.Namespace, tmp: Path) -> int:
    backends = {"SQLite (WAL)": f"sqlite:///{tmp / 'dashboard.sqlite3'}"}
    cluster = None
    if args.postgres:
        from support.postgres import Postgres

        cluster = Postgres()
        backends["PostgreSQL"] = cluster.create_database("dashboard_bench")
    try:
        results = [bench(args, tmp, name, url) for name, url in backends.items()]
    finally:
        if cluster is not None:
            cluster.close()
    if args.screenshots:
        from pages_support import service_app

        shots = screenshots(service_app(tmp, backends["SQLite (WAL)"]), ROOT / "docs" / "images")
        print("screenshots:", ", ".join(shots))
    if not args.no_doc:
        write_doc(args, results)
    return 0


def bench(args: argparse.Namespace, tmp: Path, backend: str, url: str) -> dict[str, Any]:
    from pages_support import client, service_app

    from depshield.dashboard.store import ResultsStore

    store = ResultsStore(url)
    start = time.perf_counter()
    fill(store, args.repos, args.packages, time.time())
    filled = time.perf_counter() - start
    counts = {t: store.query(f"SELECT COUNT(*) FROM {t}")[0][0]  # noqa: S608 (constant names)
              for t in ("dash_runs", "dash_packages", "dash_changes")}  # fmt: skip
    store.close()
    web = client(service_app(tmp, url))
    pages = {"overview `/`": "/", "package page (blocked)": f"/npm/{BLOCKED}/1.0.3"}
    rows = []
    for label, path in pages.items():
        for kind, headers in (("HTML", {}), ("JSON", {"accept": "application/json"})):
            figures = measure(web, path, args.requests, headers)
            rows.append((label, kind, figures))
            print(f"{backend:12} {label:24} {kind}: p50 {figures['p50']:.1f} ms, "
                  f"p99 {figures['p99']:.1f} ms, {figures['kb']:.0f} KB")  # fmt: skip
    web.app.state.results.close()
    return {"backend": backend, "counts": counts, "filled": filled, "rows": rows}


def write_doc(args: argparse.Namespace, results: list[dict[str, Any]]) -> None:
    from docs_section import machine_line, write_section

    counts = results[0]["counts"]
    fills = ", ".join(f"{r['backend']} {r['filled']:.1f} s" for r in results)
    lines = [
        "## Dashboard pages (`bench/dashboard.py`)",
        "",
        machine_line(),
        f"Command: `PYTHONPATH=src .venv/bin/python bench/dashboard.py --repos {args.repos} "
        f"--packages {args.packages} --requests {args.requests}"
        f"{' --postgres' if args.postgres else ''}`. Store: "
        f"{counts['dash_runs']:,} pull-request runs over {args.repos} repositories, "
        f"{counts['dash_packages']:,} judged packages, {counts['dash_changes']:,} changes "
        f"(filled through `ResultsStore.record_run`: {fills}). Each page is requested "
        f"{args.requests} times, one at a time, in-process through the service's Starlette app "
        "(access check, SQL, Jinja2); the package page also reads its code excerpts from the "
        "cached artifact. The machine is shared (see the load): p99 carries other people's "
        "work.",
        "",
        "| store | page | as | p50 | p99 | size |",
        "|---|---|---|---:|---:|---:|",
    ]
    for result in results:
        for label, kind, f in result["rows"]:
            lines.append(f"| {result['backend']} | {label} | {kind} | {f['p50']:.1f} ms "
                         f"| {f['p99']:.1f} ms | {f['kb']:.0f} KB |")  # fmt: skip
    write_section(ROOT / "docs" / "benchmarks.md", "dashboard", "\n".join(lines) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
