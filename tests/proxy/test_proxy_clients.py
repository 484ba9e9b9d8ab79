"""Real clients install through `depshield proxy` in front of real registry servers: the clean
packages install, the inert malicious fixture is refused with its reason, its hook never runs."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def npm_env(stack: Any) -> dict[str, str]:
    return {**stack.env, "npm_config_registry": stack.proxy.url + "npm/"}


def test_npm_installs_clean_packages_through_the_proxy(stack: Any, project: Path) -> None:
    done = run(["npm", "install", "clean-pad"], project, npm_env(stack))
    assert done.returncode == 0, done.stderr
    assert (project / "node_modules" / "clean-pad" / "package.json").is_file()
    lock = (project / "package-lock.json").read_text()
    assert stack.proxy.url + "npm/clean-pad/-/clean-pad-1.0.0.tgz" in lock


def test_npm_is_refused_the_malicious_package_with_its_reason(stack: Any, project: Path) -> None:
    done = run(["npm", "install", "env-collector"], project, npm_env(stack))
    assert done.returncode != 0
    assert "403" in done.stderr
    assert "depshield blocked npm:env-collector@1.0.0" in done.stderr
    assert "[[ignore]]" in done.stderr  # how to allow it
    assert not (project / "node_modules" / "env-collector").exists()
    assert not stack.marker.exists()


def test_pip_installs_clean_wheels_and_is_refused_the_malicious_ones(
    stack: Any, venv: Path, tmp_path: Path
) -> None:
    env = {**stack.env, "PIP_INDEX_URL": stack.proxy.url + "pypi/simple/"}
    pip = str(venv / "bin" / "pip")
    done = run([pip, "install", "--no-deps", "clean-pad"], tmp_path, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Successfully installed clean-pad-1.0.0" in done.stdout
    for name in ("env-collector", "setup-collector"):
        done = run([pip, "install", name], tmp_path, env)
        assert done.returncode != 0, name
        assert "403" in done.stdout + done.stderr, name
    site = next((venv / "lib").glob("python3*/site-packages"))
    assert not (site / "env_collector.pth").exists()
    assert not stack.marker.exists()


def test_uv_is_refused_the_malicious_wheel(stack: Any, tmp_path: Path, venv: Path) -> None:
    uv = Path(__import__("sys").executable).with_name("uv")
    if not uv.exists():
        pytest.fail("uv is part of the dev extra; run `make setup`")
    env = {**stack.env, "UV_INDEX_URL": stack.proxy.url + "pypi/simple/", "VIRTUAL_ENV": str(venv)}
    env["UV_CACHE_DIR"] = str(tmp_path / "uv-cache")
    ok = run([str(uv), "pip", "install", "--python", str(venv / "bin" / "python"), "clean-pad"],
             tmp_path, env)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    bad = run([str(uv), "pip", "install", "--python", str(venv / "bin" / "python"),
               "env-collector"], tmp_path, env)  # fmt: skip
    assert bad.returncode != 0
    assert "403" in bad.stderr
    assert not stack.marker.exists()


def test_every_decision_is_in_the_audit_log(stack: Any) -> None:
    status = stack.proxy.status()
    assert status["refused"] >= 1
    assert status["by_verdict"].get("block", 0) >= 1
    refused = [r["name"] for r in status["last_refused"]]
    assert "env-collector" in refused
    log = Path(stack.proxy.env["DEPSHIELD_HOME"]) / "proxy" / "audit.jsonl"
    assert '"name": "env-collector"' in log.read_text()


def test_warn_is_served_by_default_and_refused_when_configured(stack: Any, project: Path) -> None:
    import httpx
    from servers import DepshieldProxy, stop

    tarball = "npm/warn-pad/-/warn-pad-1.0.0.tgz"
    served = httpx.get(stack.proxy.url + tarball, timeout=120)
    assert served.status_code == 200
    assert served.headers["x-depshield-verdict"] == "warn"
    env = {**stack.proxy.env, "DEPSHIELD_HOME": str(stack.tmp / "strict-home")}
    strict = DepshieldProxy.start(
        env, "--npm-upstream", stack.verdaccio.url, "--pypi-upstream", stack.pypi.simple,
        "--warn", "refuse",
    )  # fmt: skip
    try:
        done = run(["npm", "install", "warn-pad"], project,
                   {**stack.env, "npm_config_registry": strict.url + "npm/"})  # fmt: skip
    finally:
        stop(strict.proc)
    assert done.returncode != 0
    assert "depshield refused (warnings) npm:warn-pad@1.0.0: installScripts" in done.stderr
    assert not stack.marker.exists()


def test_a_killed_proxy_comes_back_with_its_log_and_cache(stack: Any, tmp_path: Path) -> None:
    before = stack.proxy.status()["decisions"]
    assert before >= 2
    stack.proxy.restart()  # SIGKILL: no clean shutdown
    assert stack.proxy.status()["decisions"] == before
    project = tmp_path / "again"
    project.mkdir()
    (project / "package.json").write_text('{"name": "again", "version": "1.0.0"}\n')
    env = {**npm_env(stack), "npm_config_cache": str(tmp_path / "fresh-npm-cache")}
    done = run(["npm", "install", "clean-pad"], project, env)
    assert done.returncode == 0, done.stderr
    assert stack.proxy.status()["decisions"] == before + 1


def _tool(name: str) -> str:
    from servers import TOOLS

    path = TOOLS / name / "node_modules" / ".bin" / ("pnpm" if name == "pnpm" else "yarn")
    if not path.exists():
        pytest.fail(f"{path} is missing: `make setup` installs the package managers under test")
    return str(path)


def _refused(done: subprocess.CompletedProcess[str], project: Path, stack: Any) -> None:
    assert done.returncode != 0
    assert "403" in done.stdout + done.stderr
    assert not (project / "node_modules" / "env-collector").exists()
    assert not stack.marker.exists()


def test_pnpm_through_the_proxy(stack: Any, project: Path, tmp_path: Path) -> None:
    env = {**npm_env(stack), "npm_config_store_dir": str(tmp_path / "pnpm-store")}
    ok = run([_tool("pnpm"), "add", "clean-pad"], project, env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert (project / "node_modules" / "clean-pad" / "package.json").is_file()
    _refused(run([_tool("pnpm"), "add", "env-collector"], project, env), project, stack)


def test_yarn_classic_through_the_proxy(stack: Any, project: Path, tmp_path: Path) -> None:
    env = {**npm_env(stack), "YARN_CACHE_FOLDER": str(tmp_path / "yarn-cache")}
    registry = ["--registry", stack.proxy.url + "npm/", "--non-interactive"]
    ok = run([_tool("yarn1"), "add", "clean-pad", *registry], project, env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert (project / "node_modules" / "clean-pad" / "package.json").is_file()
    bad = run([_tool("yarn1"), "add", "env-collector", *registry], project, env)
    _refused(bad, project, stack)


def test_yarn_berry_through_the_proxy(stack: Any, project: Path, tmp_path: Path) -> None:
    (project / ".yarnrc.yml").write_text(
        f'npmRegistryServer: "{stack.proxy.url}npm/"\n'
        'unsafeHttpWhitelist: ["127.0.0.1"]\n'
        "nodeLinker: node-modules\n"
        "enableGlobalCache: false\n"
        "enableTelemetry: false\n"
        "npmMinimalAgeGate: 0\n"  # the fixtures were published seconds ago
    )
    (project / "yarn.lock").write_text("")
    env = {**stack.env, "YARN_GLOBAL_FOLDER": str(tmp_path / "berry-global"),
           "YARN_ENABLE_IMMUTABLE_INSTALLS": "false"}  # fmt: skip
    ok = run([_tool("berry"), "add", "clean-pad"], project, env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert (project / "node_modules" / "clean-pad" / "package.json").is_file()
    _refused(run([_tool("berry"), "add", "env-collector"], project, env), project, stack)


def test_bun_through_the_proxy(stack: Any, project: Path, tmp_path: Path) -> None:
    from servers import TOOLS

    bun = TOOLS / "bun" / "node_modules" / "@oven" / "bun-linux-x64" / "bin" / "bun"
    if not bun.exists():
        pytest.fail(f"{bun} is missing: `make setup` installs the package managers under test")
    (project / "bunfig.toml").write_text(f'[install]\nregistry = "{stack.proxy.url}npm/"\n')
    env = {**stack.env, "BUN_INSTALL_CACHE_DIR": str(tmp_path / "bun-cache")}
    ok = run([str(bun), "add", "clean-pad"], project, env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert (project / "node_modules" / "clean-pad" / "package.json").is_file()
    _refused(run([str(bun), "add", "env-collector"], project, env), project, stack)


def test_poetry_through_the_proxy(stack: Any, tmp_path: Path) -> None:
    from servers import TOOLS

    poetry = TOOLS / "poetry" / "bin" / "poetry"
    if not poetry.exists():
        pytest.fail(f"{poetry} is missing: `make setup` installs the package managers under test")
    app = tmp_path / "app"
    app.mkdir()
    (app / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        "dependencies = []\n\n[tool.poetry]\npackage-mode = false\n\n"
        f'[[tool.poetry.source]]\nname = "depshield"\nurl = "{stack.proxy.url}pypi/simple/"\n'
        'priority = "primary"\n'
    )
    env = {
        **stack.env,
        "POETRY_VIRTUALENVS_IN_PROJECT": "true",
        "POETRY_CACHE_DIR": str(tmp_path / "poetry-cache"),
        "POETRY_NO_INTERACTION": "1",
    }
    ok = run([str(poetry), "add", "clean-pad"], app, env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    site = next((app / ".venv" / "lib").glob("python3*/site-packages"))
    assert (site / "clean_pad" / "__init__.py").is_file()
    bad = run([str(poetry), "add", "env-collector"], app, env)
    assert bad.returncode != 0
    assert "403" in bad.stdout + bad.stderr
    assert not (site / "env_collector.pth").exists()
    assert not stack.marker.exists()
