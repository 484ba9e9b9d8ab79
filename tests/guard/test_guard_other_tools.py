"""yarn, pnpm and uv through the guard, when they are installed (they are optional)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from guard_registries import Env, NpmRegistry, PypiIndex, site_packages

pytestmark = pytest.mark.slow


def _needs(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")


@pytest.mark.parametrize("tool", ["pnpm", "yarn"])
def test_blocked_package_is_not_installed(
    tool: str, guard_env: Env, npm_registry: NpmRegistry, npm_project: Path
) -> None:
    _needs(tool)
    caches = {"npm_config_store_dir": str(guard_env.tmp / "pnpm-store")}
    caches["YARN_CACHE_FOLDER"] = str(guard_env.tmp / "yarn-cache")

    done = guard_env.run(tool, "add", "env-collector", cwd=npm_project, extra=caches)

    assert done.returncode == 1, done.stderr
    assert "BLOCK npm:env-collector@1.0.0" in done.stderr
    assert not guard_env.marker.exists()
    assert not (npm_project / "node_modules").exists()

    clean = guard_env.run(tool, "add", "clean-pad", cwd=npm_project, extra=caches)

    assert clean.returncode == 0, clean.stderr
    assert (npm_project / "node_modules" / "clean-pad" / "index.js").is_file()


def test_uv_blocked_and_clean(
    guard_env: Env, pip_index: PypiIndex, venv: Path, tmp_path: Path
) -> None:
    _needs("uv")
    cache = {"UV_CACHE_DIR": str(tmp_path / "uv-cache"), "UV_INDEX_URL": pip_index.simple}

    blocked = guard_env.run("uv", "pip", "install", "env-collector", cwd=tmp_path, extra=cache)

    assert blocked.returncode == 1, blocked.stderr
    assert "BLOCK pypi:env-collector==1.0.0" in blocked.stderr
    assert "resolved with uv pip install --dry-run --no-build" in blocked.stderr
    assert not (site_packages(venv) / "env_collector").exists()

    clean = guard_env.run("uv", "pip", "install", "clean-pad", cwd=tmp_path, extra=cache)

    assert clean.returncode == 0, clean.stderr
    assert (site_packages(venv) / "clean_pad").is_dir()
