"""Real servers for the proxy tests, all on loopback: Verdaccio (npm) with the inert fixtures
published to it by the real npm client, pypiserver (PyPI) serving wheels and sdists built from
the same fixtures, and `depshield proxy` itself, each a separate process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from support.packages import FIXTURES, folder_files, make_sdist, make_wheel

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".tools"
VERDACCIO_VERSION = "6.8.0"  # the last release that runs on Node 20
MARKER_SCRIPT = "node -e \"require('fs').writeFileSync(process.env.MARKER,'x')\""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def wait_for(url: str, proc: subprocess.Popen[bytes], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before it answered")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer {url} within {timeout} s")


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def base_env(tmp: Path) -> dict[str, str]:
    """A clean environment: this machine's npm/pip settings never leak into a test."""
    keep = ("PATH", "LANG", "LC_ALL", "SSL_CERT_FILE", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    home = tmp / "home"
    home.mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(home),
        XDG_CONFIG_DIRS=str(tmp / "etc-xdg"),
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_CACHE_DIR="1",
        PIP_RETRIES="0",
        npm_config_globalconfig=str(tmp / "global-npmrc"),
        npm_config_userconfig=str(tmp / "user-npmrc"),
        npm_config_cache=str(tmp / "npm-cache"),
        npm_config_audit="false",
        npm_config_fund="false",
        npm_config_update_notifier="false",
        npm_config_fetch_retries="0",
        NO_PROXY="127.0.0.1,localhost",
        MARKER=str(tmp / "MARKER"),
    )
    return env


def verdaccio_bin(env: dict[str, str]) -> Path:
    """Verdaccio from .tools/, installed there by `make setup` (or now, the first time)."""
    binary = TOOLS / "verdaccio" / "node_modules" / ".bin" / "verdaccio"
    if not binary.exists():
        subprocess.run(
            ["npm", "install", "--prefix", str(TOOLS / "verdaccio"), "--no-audit", "--no-fund",
             "--ignore-scripts", f"verdaccio@{VERDACCIO_VERSION}"],
            check=True, capture_output=True, timeout=600,
            env={**os.environ, "npm_config_update_notifier": "false"},
        )  # fmt: skip
    return binary


@dataclass
class Verdaccio:
    url: str
    proc: subprocess.Popen[bytes]

    @classmethod
    def start(cls, tmp: Path, env: dict[str, str]) -> Verdaccio:
        tmp.mkdir(parents=True, exist_ok=True)
        port = free_port()
        config = tmp / "verdaccio.yaml"
        config.write_text(
            f"storage: {tmp / 'storage'}\n"
            f"auth:\n  htpasswd:\n    file: {tmp / 'htpasswd'}\n    max_users: -1\n"
            "uplinks: {}\n"
            "packages:\n  '**':\n    access: $all\n    publish: $all\n"
            "log: { type: stdout, format: pretty, level: error }\n"
        )
        proc = subprocess.Popen(
            [str(verdaccio_bin(env)), "--config", str(config), "--listen", f"127.0.0.1:{port}"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}/"
        wait_for(url + "-/ping", proc, "verdaccio")
        return cls(url, proc)

    def publish(self, folder: str, tmp: Path, env: dict[str, str], **manifest: object) -> None:
        """`npm publish` of a fixture folder (scripts off: publishing runs nothing)."""
        source = tmp / "publish" / str(manifest.get("name", folder))
        shutil.copytree(FIXTURES / "npm" / folder, source)
        data = {**json.loads((source / "package.json").read_text()), **manifest}
        (source / "package.json").write_text(json.dumps(data, indent=2))
        host = self.url.removeprefix("http:")
        (source / ".npmrc").write_text(f"{host}:_authToken=publish-token\n")
        subprocess.run(
            ["npm", "publish", "--registry", self.url, "--ignore-scripts"],
            # A cache of its own: npm keeps what it packs, and a client sharing that cache
            # would install it without ever asking the registry (or the proxy).
            cwd=source, env={**env, "npm_config_cache": str(tmp / "publish-cache")},
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip


@dataclass
class PypiServer:
    simple: str
    proc: subprocess.Popen[bytes]

    @classmethod
    def start(cls, tmp: Path, env: dict[str, str]) -> PypiServer:
        packages = tmp / "packages"
        packages.mkdir(parents=True)
        for name, folder, requires in (
            ("clean-pad", "clean_pad", []),
            ("env-collector", "env_collector", ["clean-pad>=1.0"]),
        ):
            files = folder_files(FIXTURES / "pypi" / folder)
            files = {f"{folder}/{k}" if not k.endswith(".pth") else k: v for k, v in files.items()}
            wheel = make_wheel(name, "1.0.0", files, requires)
            (packages / f"{folder}-1.0.0-py3-none-any.whl").write_bytes(wheel)
        sdist = make_sdist(
            "setup-collector", "1.0.0", folder_files(FIXTURES / "pypi" / "setup_collector")
        )
        (packages / "setup_collector-1.0.0.tar.gz").write_bytes(sdist)
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "pypiserver", "run", "-p", str(port), "-i", "127.0.0.1",
             "-a", ".", "-P", ".", "--disable-fallback", "--hash-algo", "sha256", str(packages)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        simple = f"http://127.0.0.1:{port}/simple/"
        wait_for(simple, proc, "pypiserver")
        return cls(simple, proc)


@dataclass
class DepshieldProxy:
    url: str
    proc: subprocess.Popen[bytes]
    args: list[str]
    env: dict[str, str]

    @classmethod
    def start(cls, env: dict[str, str], *extra: str) -> DepshieldProxy:
        port = free_port()
        args = [sys.executable, "-m", "depshield", "proxy", "--port", str(port), *extra]
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        url = f"http://127.0.0.1:{port}/"
        wait_for(url + "-/depshield/status", proc, "depshield proxy")
        return cls(url, proc, args, env)

    def restart(self, sig: int = signal.SIGKILL) -> None:
        stop(self.proc, sig)
        self.proc = subprocess.Popen(
            self.args, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        wait_for(self.url + "-/depshield/status", self.proc, "depshield proxy")

    def status(self) -> dict[str, object]:
        reply: dict[str, object] = httpx.get(self.url + "-/depshield/status", timeout=10).json()
        return reply
