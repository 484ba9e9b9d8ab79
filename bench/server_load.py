"""Load and latency of `depshield serve`, written to docs/benchmarks.md between markers.

1. A burst of signed deliveries (default 1,000) against the service in a subprocess (uvicorn on
   loopback), sent with bounded concurrency: every one must be stored once and processed once
   (queue rows and processed marks are counted), and the time to acknowledge is measured.
2. Webhook to comment for a pull request adding 10 packages: a real git repository, the fake
   GitHub API of tests/server on loopback, the npm registry this machine is configured with,
   and a cold depshield cache (then the same again, warm).

Usage: .venv/bin/python bench/server_load.py [--deliveries N] [--concurrency N] [--no-doc]
Needs the npm packages the service tests install (.cache/npm-fixtures; run the tests once).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
OCTOKIT = ROOT / ".cache" / "npm-fixtures" / "node_modules" / "@octokit"
SECRET = "bench-secret"
APP_ID = "4242"
# Ten small, widely used packages with no dependencies of their own (exact versions).
PACKAGES = (
    ("is-number", "7.0.0"), ("kind-of", "6.0.3"), ("ms", "2.1.3"), ("escape-html", "1.0.3"),
    ("depd", "2.0.0"), ("inherits", "2.0.4"), ("wrappy", "1.0.2"), ("balanced-match", "1.0.2"),
    ("ee-first", "1.1.1"), ("isarray", "2.0.5"),
)  # fmt: skip

sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests" / "server"), str(ROOT / "bench")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_key(folder: Path) -> tuple[Path, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = folder / "app.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return path, public.decode()


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    import httpx

    command = [sys.executable, "-m", "depshield.cli.main", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the service did not start")


def signed(event: str, payload: dict[str, Any], delivery: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": signature,
        "Content-Type": "application/json",
    }


async def burst(
    port: int, deliveries: list[tuple[str, str, dict[str, Any]]], limit: int
) -> list[tuple[float, int]]:
    """Send every delivery over `limit` keep-alive connections; (seconds, status) each.

    Plain asyncio streams: an HTTP client library's own overhead would be measured too."""
    requests = []
    for event, delivery, payload in deliveries:
        body, headers = signed(event, payload, delivery)
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        requests.append(
            f"POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
            f"{head}\r\n".encode()
            + body
        )
    pending = iter(enumerate(requests))
    results: list[tuple[float, int]] = [(0.0, 0)] * len(requests)

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for index, request in pending:
            start = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            results[index] = (time.perf_counter() - start, status)
        writer.close()

    await asyncio.gather(*(connection() for _ in range(limit)))
    return results


def load_test(count: int, concurrency: int, base_env: dict[str, str]) -> dict[str, Any]:
    examples = _examples()
    with tempfile.TemporaryDirectory(prefix="depshield-load-") as tmp:
        key, _ = make_key(Path(tmp))
        db = Path(tmp) / "server.db"
        env = {
            **base_env,
            **_service_env(key, db, "http://127.0.0.1:9"),
            "DEPSHIELD_WORKERS": "2",
            # The examples share a few installation ids: the per-installation rate would
            # (rightly) spread their processing over minutes.
            "DEPSHIELD_INSTALLATION_RATE": "1000000",
        }
        port = free_port()
        server = start_server(env, port)
        try:
            work = []
            for i in range(count):
                event, payload = examples[i % len(examples)]
                work.append((event, str(uuid.UUID(int=i + 1)), payload))
            redeliveries = work[: count // 10]  # the same delivery ids again
            started = time.perf_counter()
            times = asyncio.run(burst(port, work, concurrency))
            wall = time.perf_counter() - started
            again = asyncio.run(burst(port, redeliveries, concurrency))
            rows = _wait_processed(db, count)
        finally:
            server.terminate()
            server.wait(30)
    acks = sorted(t for t, _ in times)
    return {
        "count": count,
        "concurrency": concurrency,
        "statuses": sorted({s for _, s in times + again}),
        "wall": wall,
        "p50": statistics.median(acks),
        "p99": acks[min(len(acks) - 1, int(len(acks) * 0.99))],
        "max": acks[-1],
        "redelivered": len(redeliveries),
        **rows,
    }


def _examples() -> list[tuple[str, dict[str, Any]]]:
    """Deliveries that are queued and processed without calling GitHub: installation events and
    pull_request actions that need no scan (real payloads from @octokit/webhooks-examples)."""
    doc = json.loads((OCTOKIT / "webhooks-examples" / "api.github.com" / "index.json").read_text())
    by_name = {entry["name"]: entry["examples"] for entry in doc}
    found = [("installation", e) for e in by_name["installation"]]
    found += [
        ("pull_request", e)
        for e in by_name["pull_request"]
        if e["action"] not in ("opened", "synchronize", "reopened")
    ]
    return found


def _wait_processed(db: Path, count: int) -> dict[str, Any]:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        with sqlite3.connect(db) as conn:
            done = conn.execute("SELECT COUNT(*) FROM jobs WHERE state='done'").fetchone()[0]
        if done >= count:
            break
        time.sleep(0.2)
    with sqlite3.connect(db) as conn:
        rows, processed, twice, first, last = conn.execute(
            "SELECT COUNT(*), SUM(processed), SUM(processed > 1), MIN(received), MAX(finished) "
            "FROM jobs"
        ).fetchone()
    return {"rows": rows, "processed": processed, "twice": twice, "drain": last - first}


def _service_env(key: Path, db: Path, api_url: str) -> dict[str, str]:
    return {
        "DEPSHIELD_GITHUB_APP_ID": APP_ID,
        "DEPSHIELD_GITHUB_PRIVATE_KEY_FILE": str(key),
        "DEPSHIELD_WEBHOOK_SECRET": SECRET,
        "DEPSHIELD_GITHUB_API_URL": api_url,
        "DEPSHIELD_SERVER_DB": str(db),
    }


def lock_for(packages: list[tuple[str, str]]) -> str:
    """A package-lock v3 pinning `packages` as the configured registry serves them."""
    from depshield.ecosystems.npm.registry import get_packument

    entries: dict[str, Any] = {"": {"name": "app", "version": "1.0.0", "dependencies": {}}}
    for name, version in packages:
        dist = get_packument(name)["versions"][version]["dist"]
        entries[""]["dependencies"][name] = version
        entries[f"node_modules/{name}"] = {
            "version": version, "resolved": dist["tarball"], "integrity": dist["integrity"],
        }  # fmt: skip
    doc = {"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": True}
    return json.dumps({**doc, "packages": entries}, indent=2) + "\n"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def commit(repo: Path, lock: str, message: str) -> str:
    (repo / "package-lock.json").write_text(lock)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def webhook_to_comment(base_env: dict[str, str]) -> dict[str, Any]:
    import httpx
    from fake_github import FakeGitHub
    from github_openapi import OpenApi
    from payloads import pull_request

    examples = json.loads(
        (OCTOKIT / "webhooks-examples" / "api.github.com" / "index.json").read_text()
    )
    by_name = {entry["name"]: entry["examples"] for entry in examples}
    with tempfile.TemporaryDirectory(prefix="depshield-e2e-") as tmp:
        work = Path(tmp)
        os.environ["DEPSHIELD_HOME"] = str(
            work / "bench-home"
        )  # lockfile lookups: not the server's cache
        repo = work / "repo"
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        git(repo, "config", "user.email", "bench@example.invalid")
        git(repo, "config", "user.name", "Bench")
        base = commit(repo, lock_for([]), "base")
        head = commit(repo, lock_for(list(PACKAGES)), "add ten packages")
        key, public = make_key(work)
        api = OpenApi(OCTOKIT / "openapi" / "generated" / "api.github.com.json")
        fake = FakeGitHub(api, APP_ID, public, validate=False)
        fake.repos["octo-org/app"] = repo
        env = {
            **base_env,
            **_service_env(key, work / "server.db", fake.url),
            "DEPSHIELD_HOME": str(work / "cold-home"),
        }
        port = free_port()
        server = start_server(env, port)
        runs = {}
        try:
            for label, number in (("cold", 1), ("warm", 2)):
                payload = pull_request(by_name, "opened", number, base, head)
                body, headers = signed("pull_request", payload, str(uuid.uuid4()))
                start = time.perf_counter()
                ack = httpx.post(f"http://127.0.0.1:{port}/webhook", content=body, headers=headers)
                acked = time.perf_counter() - start
                while not fake.comments_on("octo-org/app", number):
                    if time.perf_counter() - start > 600:
                        raise SystemExit("no comment after 10 minutes")
                    time.sleep(0.02)
                took = time.perf_counter() - start
                comment = fake.comments_on("octo-org/app", number)[0]["body"]
                runs[label] = {
                    "ack": acked,
                    "status": ack.status_code,
                    "comment": took,
                    "added": comment.count(" added `"),
                }
        finally:
            server.terminate()
            server.wait(30)
            fake.close()
    return runs


def report(loads: list[dict[str, Any]], e2e: dict[str, Any], command: str) -> str:
    from docs_section import machine_line

    first = loads[0]
    lines = [
        "## The GitHub App service (`bench/server_load.py`)",
        "",
        machine_line(),
        f"Command: `{command}`. The service runs as `depshield serve` (uvicorn, 2 worker "
        "threads, SQLite queue in WAL mode, deliveries committed with synchronous=FULL by group "
        "commit) in a subprocess on loopback; the client is plain asyncio streams with "
        "keep-alive connections, one request in flight per connection.",
        "",
        f"**Burst**: {first['count']:,} signed deliveries (real `@octokit/webhooks-examples` "
        "payloads: installation events and pull_request actions that need no scan), then "
        f"{first['redelivered']} redeliveries of the same ids; a fresh service and queue for "
        "each concurrency level.",
        "",
        "| connections | statuses | ack median | ack p99 (target <= 100 ms) | ack max "
        "| burst wall | rows / processed / twice | receipt to last done | none lost or doubled |",
        "|---:|---|---:|---:|---:|---:|---|---:|---|",
    ]
    for load in loads:
        ok = load["rows"] == load["processed"] == load["count"] and not load["twice"]
        lines.append(
            f"| {load['concurrency']} | {', '.join(map(str, load['statuses']))} "
            f"| {load['p50'] * 1000:.1f} ms | {load['p99'] * 1000:.1f} ms "
            f"| {load['max'] * 1000:.1f} ms | {load['wall']:.2f} s "
            f"| {load['rows']:,} / {load['processed']:,} / {load['twice']} "
            f"| {load['drain']:.2f} s | {'yes' if ok else '**no**'} |"
        )
    lines += [
        "",
        "**Webhook to comment**: a pull request adding 10 packages with no dependencies of their "
        "own (" + ", ".join(f"{n}@{v}" for n, v in PACKAGES) + "); the fake GitHub API of "
        "tests/server on loopback (OpenAPI validation off), git data from a real repository, "
        "packages from the npm registry this machine is configured with. Cold: an empty "
        "depshield cache; warm: a second pull request with the same packages.",
        "",
        "| cache | acknowledged | webhook to comment | packages in the comment |",
        "|---|---:|---:|---:|",
    ]
    for label, run in e2e.items():
        lines.append(
            f"| {label} | {run['ack'] * 1000:.0f} ms ({run['status']}) "
            f"| {run['comment']:.2f} s | {run['added']} added |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 32])
    parser.add_argument("--no-doc", action="store_true", help="print only")
    args = parser.parse_args()
    if not OCTOKIT.is_dir():
        raise SystemExit(f"{OCTOKIT} is missing: run the service tests once (they install it)")
    base_env = dict(os.environ)
    loads = [load_test(args.deliveries, c, base_env) for c in args.concurrency]
    e2e = webhook_to_comment(base_env)
    levels = " ".join(map(str, args.concurrency))
    command = f"python bench/server_load.py --deliveries {args.deliveries} --concurrency {levels}"
    text = report(loads, e2e, command)
    print(text)
    if not args.no_doc:
        from docs_section import write_section

        write_section(DOC, "server", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
