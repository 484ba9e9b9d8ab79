"""The registry proxy (docs/proxy.md): added latency per artifact, and whole installs through it.

Usage: python bench/proxy.py [--latency N] [--clients 1,8]

Upstreams are the registries this machine's npm and pip configuration name (as the proxy finds
them); no address is written here. What it measures:
- per artifact: GET of N tarballs straight from the upstream, through a cold proxy (download,
  verify, analyse) and through a warm one (verdict cached), p50 and p99;
- installs: `npm ci --ignore-scripts` of a real application lock and `pip download --no-deps
  --only-binary :all:` of a real hash-pinned requirements file, straight and through the proxy
  cold and warm, with 1 and 8 concurrent clients; the proxy's peak memory (VmHWM).
Nothing here runs package code: npm never runs scripts, pip only downloads wheels.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests" / "proxy"))
sys.path.insert(0, str(ROOT / "tests"))
from docs_section import machine_line, write_section  # noqa: E402
from servers import DepshieldProxy, stop  # noqa: E402

REAL = ROOT / "tests" / "fixtures" / "lockfiles"
# 425 packages: express, react-dom, axios, lodash, chalk; eslint and jest for development.
NPM_APP = HERE / "real_apps" / "medium" / "package-lock.json"
NPM_MANIFEST = HERE / "real_apps" / "medium" / "package.json"
PY_LOCK = REAL / "python" / "real" / "app.requirements.txt"


def env_for(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        npm_config_audit="false",
        npm_config_fund="false",
        npm_config_update_notifier="false",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_CACHE_DIR="1",
        DEPSHIELD_HOME=str(tmp / "home"),
    )
    return env


def upstreams() -> tuple[str, str]:
    from depshield.proxy.settings import upstreams as configured

    return configured(None, None, Path.cwd())


def tarballs(limit: int) -> list[tuple[str, str]]:
    """(name, upstream path) of the lock's first `limit` registry tarballs (the lock records no
    `resolved` URLs: npm fetches `NAME/-/BASENAME-VERSION.tgz` from the configured registry)."""
    lock = json.loads(NPM_APP.read_text())
    out = []
    for key, entry in lock["packages"].items():
        if key and "version" in entry and not entry.get("link"):
            name = key.rsplit("node_modules/", 1)[-1]
            base = name.rsplit("/", 1)[-1]
            out.append((name, f"/{name}/-/{base}-{entry['version']}.tgz"))
    return out[:limit]


def timed(url: str, client: httpx.Client) -> float:
    started = time.perf_counter()
    reply = client.get(url)
    reply.raise_for_status()
    return time.perf_counter() - started


def percentiles(values: list[float]) -> str:
    values = sorted(values)
    p99 = values[min(len(values) - 1, round(0.99 * (len(values) - 1)))]
    return f"{statistics.median(values) * 1000:.0f} ms / {p99 * 1000:.0f} ms"


def latency(n: int, tmp: Path, npm_up: str, pypi_up: str) -> list[str]:
    proxy = DepshieldProxy.start(
        env_for(tmp / "lat"), "--npm-upstream", npm_up, "--pypi-upstream", pypi_up
    )
    items = tarballs(n)
    rows = {}
    try:
        with httpx.Client(timeout=300) as client:
            rows["straight from the upstream"] = [timed(npm_up + p.lstrip("/"), client)
                                                  for _, p in items]  # fmt: skip
            local = [f"{proxy.url}npm/{name}/-/{p.rsplit('/', 1)[-1]}" for name, p in items]
            rows["through the proxy, cold (download, verify, analyse)"] = [
                timed(u, client) for u in local
            ]
            rows["through the proxy, verdict cached"] = [timed(u, client) for u in local]
    finally:
        stop(proxy.proc)
    lines = [
        f"Per artifact, {len(items)} npm tarballs of the lock below, one at a time:",
        "",
        "| request | p50 / p99 |",
        "|---|---|",
    ]
    lines += [f"| {label} | {percentiles(values)} |" for label, values in rows.items()]
    return lines


def npm_ci(folder: Path, registry: str, cache: Path, env: dict[str, str]) -> float:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copy(NPM_MANIFEST, folder / "package.json")
    shutil.copy(NPM_APP, folder / "package-lock.json")
    started = time.perf_counter()
    subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--registry", registry,
         "--replace-registry-host=always", "--cache", str(cache), "--prefer-online"],
        cwd=folder, env=env, check=True, capture_output=True, timeout=3600,
    )  # fmt: skip
    return time.perf_counter() - started


def pip_download(folder: Path, index: str, env: dict[str, str]) -> float:
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
         "--index-url", index, "-r", str(PY_LOCK), "-d", str(folder), "-q"],
        env={**env, "PIP_CONFIG_FILE": os.devnull}, check=True, capture_output=True, timeout=3600,
    )  # fmt: skip
    return time.perf_counter() - started


def at_once(clients: int, job: Callable[[int], float]) -> float:
    """Wall time of `clients` copies of job(i) started together."""
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(job, range(clients)))
    return time.perf_counter() - started


def crowd(
    n: int, label: str, registry: str, index: str, tmp: Path, env: dict[str, str]
) -> list[tuple[str, str, float]]:
    """`n` clients installing at once, each with its own folder and cache."""
    tag = f"{label.split()[0]}{n}"

    def npm_job(i: int) -> float:
        return npm_ci(tmp / "n" / f"{tag}-{i}", registry, tmp / "c" / f"{tag}-{i}", env)

    def pip_job(i: int) -> float:
        return pip_download(tmp / "p" / f"{tag}-{i}", index, env)

    what = f"{label}, {n} clients at once"
    return [(what, "npm", at_once(n, npm_job)), (what, "pip", at_once(n, pip_job))]


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def installs(clients: list[int], tmp: Path, npm_up: str, pypi_up: str) -> list[str]:
    env = env_for(tmp / "inst")
    proxy = DepshieldProxy.start(env, "--npm-upstream", npm_up, "--pypi-upstream", pypi_up)
    npm_via, pip_via = proxy.url + "npm/", proxy.url + "pypi/simple/"
    rows: list[tuple[str, str, float]] = []
    try:
        for label, registry, index in (("cold", npm_via, pip_via), ("warm", npm_via, pip_via)):
            rows.append((f"through the proxy, {label}", "npm", npm_ci(
                tmp / "n" / label, registry, tmp / "c" / label, env)))  # fmt: skip
            rows.append((f"through the proxy, {label}", "pip", pip_download(
                tmp / "p" / label, index, env)))  # fmt: skip
        rows.append(("straight from the upstream", "npm", npm_ci(
            tmp / "n" / "direct", npm_up, tmp / "c" / "direct", env)))  # fmt: skip
        rows.append(("straight from the upstream", "pip", pip_download(
            tmp / "p" / "direct", pypi_up, env)))  # fmt: skip
        for n in (c for c in clients if c > 1):
            rows += crowd(n, "through the proxy, warm", npm_via, pip_via, tmp, env)
            rows += crowd(n, "straight from the upstream", npm_up, pypi_up, tmp, env)
        peak = peak_mb(proxy.proc.pid)
        status = proxy.status()
    finally:
        stop(proxy.proc)
    npm_count = sum(1 for k in json.loads(NPM_APP.read_text())["packages"] if k)
    py_count = sum(1 for line in PY_LOCK.read_text().splitlines() if "==" in line)
    lines = [
        "",
        "Installs: `npm ci --ignore-scripts` of a real application lock "
        f"({npm_count} packages) and `pip download --no-deps --only-binary :all:` of a real "
        "hash-pinned requirements file "
        f"({py_count} packages); a fresh client cache each time; wall time:",
        "",
        "| how | npm | pip |",
        "|---|---|---|",
    ]
    by_label: dict[str, dict[str, float]] = {}
    for label, tool, seconds in rows:
        by_label.setdefault(label, {})[tool] = seconds
    for label, tools in by_label.items():
        lines.append(f"| {label} | {tools.get('npm', 0):.1f} s | {tools.get('pip', 0):.1f} s |")
    lines += [
        "",
        f"Proxy peak memory (VmHWM) over all of the above: **{peak:.0f} MB**; "
        f"{status['decisions']} decisions, {status['analyses_run']} analyses run.",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=int, default=40, help="tarballs for the latency rows")
    parser.add_argument("--clients", default="1,8")
    args = parser.parse_args(argv)
    clients = [int(c) for c in args.clients.split(",")]
    npm_up, pypi_up = upstreams()
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="ds-proxy-bench-") as tmp:
        lines = latency(args.latency, Path(tmp), npm_up, pypi_up)
        lines += installs(clients, Path(tmp), npm_up, pypi_up)
    text = "\n".join(
        [
            "## Registry proxy (`bench/proxy.py`)",
            "",
            machine_line(),
            "",
            f"Command: `python bench/proxy.py --latency {args.latency} --clients {args.clients}` "
            f"({(time.time() - started) / 60:.1f} min). Upstreams: this machine's configured npm "
            "registry and package index (over the internet).",
            "",
            *lines,
        ]
    )
    write_section(ROOT / "docs" / "benchmarks.md", "proxy", text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
