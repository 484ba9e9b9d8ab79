"""Guard test fixtures: loopback npm and pip registries, an isolated environment, and running
depshield as the user would (a separate process, so that it can hand over to the real tool)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from guard_registries import Env, HeadRegistryServer, NpmRegistry, PypiIndex
from support.registry_server import RegistryServer, isolate_env

MARKER_SCRIPT = "node -e \"require('fs').writeFileSync(process.env.MARKER,'x')\""


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "slow: runs real npm or pip installs (a few seconds)")


@pytest.fixture
def registry_server() -> Iterator[RegistryServer]:
    server = HeadRegistryServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def guard_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Env:
    isolate_env(monkeypatch, tmp_path)
    monkeypatch.delenv("CI", raising=False)
    marker = tmp_path / "MARKER"
    env = dict(os.environ)
    env.update(
        MARKER=str(marker),
        npm_config_cache=str(tmp_path / "npm-cache"),
        npm_config_audit="false",
        npm_config_fund="false",
        npm_config_update_notifier="false",
        npm_config_fetch_retries="0",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_CACHE_DIR="1",
        PIP_RETRIES="0",
        PIP_TIMEOUT="5",
    )
    return Env(env, marker, tmp_path)


@pytest.fixture
def npm_registry(registry_server: RegistryServer, guard_env: Env) -> NpmRegistry:
    registry = NpmRegistry(registry_server)
    registry.publish_fixture("clean-pad")
    registry.publish_fixture("env-collector", dependencies={"clean-pad": "^1.0.0"})
    registry.publish_fixture("clean-pad", name="warn-pad", scripts={"postinstall": MARKER_SCRIPT})
    guard_env.vars["npm_config_registry"] = registry.url
    return registry


@pytest.fixture
def npm_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "package.json").write_text('{"name": "project", "version": "1.0.0"}\n')
    return project


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One virtual environment per module (creating one with pip takes seconds)."""
    folder = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    yield folder


@pytest.fixture
def pip_index(registry_server: RegistryServer, guard_env: Env, venv: Path) -> PypiIndex:
    index = PypiIndex(registry_server)
    index.publish_wheel("clean-pad", "1.0.0", "clean_pad", [])
    index.publish_wheel("env-collector", "1.0.0", "env_collector", ["clean-pad>=1.0"])
    index.publish_sdist("setup-collector", "1.0.0", "setup_collector")
    guard_env.vars.update(
        PIP_INDEX_URL=index.simple,
        VIRTUAL_ENV=str(venv),
        PATH=f"{venv / 'bin'}{os.pathsep}{guard_env.vars['PATH']}",
    )
    return index


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on: a registry that is down."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
