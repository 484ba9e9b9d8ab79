"""Time from "the registry refuses" to exit 3 (issue 12), on a generated 400-package lock.

Usage: python bench/registry_down.py [--packages 400] [--before SRC] [--no-docs]
(SRC: another checkout's src/, e.g. main's, for the "before" column; a "before" run that
exceeds the timeout is reported as killed). Two registries, both on loopback: a closed port
(connection refused) and a server that answers every request with 503. Each cell is one
fresh `depshield scan` process with an empty DEPSHIELD_HOME; nothing is downloaded, nothing
runs package code. Writes the `registry-down` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docs_section import machine_line, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 300.0


class _Refuse(BaseHTTPRequestHandler):
    seen = 0

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        type(self).seen += 1
        body = b"service unavailable"
        self.send_response(503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def write_lock(folder: Path, count: int) -> None:
    packages: dict[str, object] = {"": {"name": "app"}}
    for i in range(count):
        name = f"pkg-{i}"
        packages[f"node_modules/{name}"] = {
            "version": "1.0.0",
            "resolved": f"https://registry.example.invalid/{name}/-/{name}-1.0.0.tgz",
            "integrity": "sha512-" + "A" * 86 + "==",
        }
    lock = {"name": "app", "lockfileVersion": 3, "packages": packages}
    (folder / "package-lock.json").write_text(json.dumps(lock, indent=1))


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def run(src: Path, project: Path, registry: str, home: Path) -> tuple[str, float, int, int]:
    """(exit code or "killed", seconds, stdout+stderr lines, error lines)."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("NPM_CONFIG_", "PIP_"))}
    env.update(
        npm_config_registry=registry,
        DEPSHIELD_HOME=str(home),
        DEPSHIELD_NO_DAEMON="1",
        PYTHONPATH=str(src),
        NO_PROXY="127.0.0.1",
    )
    command = [sys.executable, "-m", "depshield", "scan", str(project)]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "killed", TIMEOUT, 0, 0
    seconds = time.perf_counter() - start
    lines = done.stdout.splitlines() + done.stderr.splitlines()
    errors = sum(1 for line in done.stderr.splitlines() if line.startswith("depshield: error"))
    return str(done.returncode), seconds, len(lines), errors


def measure(src: Path, count: int) -> list[tuple[str, str, float, int, int, int]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "app"
        project.mkdir()
        write_lock(project, count)
        rows.append(("closed port", *run(src, project, closed_port(), Path(tmp) / "h1"), 0))
        _Refuse.seen = 0
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Refuse)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        try:
            code, seconds, lines, errors = run(src, project, url, Path(tmp) / "h2")
        finally:
            server.shutdown()
            server.server_close()
        rows.append(("server answering 503", code, seconds, lines, errors, _Refuse.seen))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=400)
    parser.add_argument("--before", type=Path, help="another checkout's src/ for comparison")
    parser.add_argument("--no-docs", action="store_true", help="print, do not write the docs")
    args = parser.parse_args()
    after = measure(ROOT / "src", args.packages)
    before = measure(args.before, args.packages) if args.before else None
    table = [
        "| registry | | exit | seconds | output lines | error lines | requests to the server |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for label, rows in (("before", before), ("after", after)):
        for name, code, seconds, lines, errors, seen in rows or ():
            served = str(seen) if name.startswith("server") else "-"
            table.append(
                f"| {name} | {label} | {code} | {seconds:.1f} | {lines} | {errors} | {served} |"
            )
    command = "python bench/registry_down.py" + (f" --before {args.before}" if before else "")
    text = "\n".join(
        [
            f"## Registry down: from refusal to exit 3 ({args.packages}-package lock, issue 12)",
            "",
            machine_line(),
            "",
            f"Command: `{command}` (one fresh `depshield scan` per row, empty cache, loopback "
            "registries: a closed port and a server answering 503 to everything).",
            "",
            *table,
        ]
    )
    print(text)
    if not args.no_docs:
        write_section(ROOT / "docs" / "benchmarks.md", "registry-down", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
