"""One set of real servers for the proxy tests (starting Verdaccio takes seconds)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from servers import (
    MARKER_SCRIPT,
    DepshieldProxy,
    PypiServer,
    Verdaccio,
    base_env,
    stop,
)


@dataclass
class Stack:
    verdaccio: Verdaccio
    pypi: PypiServer
    proxy: DepshieldProxy
    env: dict[str, str]  # a client's environment (nothing points at the proxy yet)
    tmp: Path

    @property
    def marker(self) -> Path:
        return Path(self.env["MARKER"])


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("proxy")
    env = base_env(tmp)
    verdaccio = Verdaccio.start(tmp / "verdaccio", env)
    pypi = None
    proxy = None
    try:
        verdaccio.publish("clean-pad", tmp, env)
        verdaccio.publish("env-collector", tmp, env, dependencies={"clean-pad": "^1.0.0"})
        verdaccio.publish(
            "clean-pad", tmp, env, name="warn-pad", scripts={"postinstall": MARKER_SCRIPT}
        )
        pypi = PypiServer.start(tmp / "pypi", env)
        proxy_env = {**env, "DEPSHIELD_HOME": str(tmp / "depshield-home")}
        proxy = DepshieldProxy.start(
            proxy_env, "--npm-upstream", verdaccio.url, "--pypi-upstream", pypi.simple
        )
        yield Stack(verdaccio, pypi, proxy, env, tmp)
    finally:
        for server in (proxy, pypi, verdaccio):
            if server is not None:
                stop(server.proc)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "package.json").write_text('{"name": "project", "version": "1.0.0"}\n')
    return folder


@pytest.fixture(scope="session")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    return folder
