"""`depshield npm ...` against a loopback registry: real npm installs that reach no internet."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from guard_registries import Env, NpmRegistry

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed"),
]


def _deps(project: Path) -> dict[str, str]:
    data = json.loads((project / "package.json").read_text())
    deps: dict[str, str] = data.get("dependencies", {})
    return deps


def test_blocked_package_never_reaches_node_modules(
    guard_env: Env, npm_registry: NpmRegistry, npm_project: Path
) -> None:
    done = guard_env.run("npm", "install", "env-collector", cwd=npm_project)

    assert done.returncode == 1, done.stderr
    assert "BLOCK npm:env-collector@1.0.0" in done.stderr
    assert "dataExfiltration (error, critical) [install] collect.js:4" in done.stderr
    assert "--force" in done.stderr and "--yes is not enough" in done.stderr
    # Its install script never ran and none of its files were unpacked.
    assert not guard_env.marker.exists()
    assert not (npm_project / "node_modules").exists()
    assert _deps(npm_project) == {}
    # npm itself was asked only for metadata and tarballs: no install script can run that way.
    assert "/env-collector" in npm_registry.server.paths()


def test_clean_package_installs_through_the_real_npm(
    guard_env: Env, npm_registry: NpmRegistry, npm_project: Path
) -> None:
    done = guard_env.run("npm", "install", "clean-pad", cwd=npm_project)

    assert done.returncode == 0, done.stderr
    assert "1 package to add or change" in done.stderr
    assert "checked 1: 0 blocked, 0 with warnings, 1 passed" in done.stderr
    assert (npm_project / "node_modules" / "clean-pad" / "index.js").is_file()
    assert _deps(npm_project) == {"clean-pad": "^1.0.0"}


def test_existing_project_checks_only_what_changes(
    guard_env: Env, npm_registry: NpmRegistry, npm_project: Path
) -> None:
    assert guard_env.run("npm", "install", "clean-pad", cwd=npm_project).returncode == 0

    again = guard_env.run("npm", "install", cwd=npm_project)

    assert again.returncode == 0, again.stderr
    assert "0 packages to add or change, 1 already installed" in again.stderr
    assert "package-lock.json (in sync with package.json)" in again.stderr


def test_fresh_checkout_checks_the_whole_lockfile(
    guard_env: Env, npm_registry: NpmRegistry, npm_project: Path, tmp_path: Path
) -> None:
    # A lockfile written elsewhere (here: by npm with scripts off) names the blocked package;
    # `npm ci` in a checkout without node_modules would install it as is.
    subprocess.run(
        ["npm", "install", "--package-lock-only", "--ignore-scripts", "env-collector"],
        cwd=npm_project,
        env=guard_env.vars,
        check=True,
        capture_output=True,
    )

    done = guard_env.run("npm", "ci", cwd=npm_project)

    assert done.returncode == 1, done.stderr
    assert "BLOCK npm:env-collector@1.0.0" in done.stderr
    assert not guard_env.marker.exists()
    assert not (npm_project / "node_modules").exists()


def test_warning_stops_without_a_terminal_and_yes_lets_the_real_npm_run_its_script(
    guard_env: Env, npm_registry: NpmRegistry, npm_project: Path
) -> None:
    stopped = guard_env.run("npm", "install", "warn-pad", cwd=npm_project)
    assert stopped.returncode == 1, stopped.stderr
    assert "WARN  npm:warn-pad@1.0.0" in stopped.stderr
    assert "installScripts (warn, high) [install] package.json:1" in stopped.stderr
    assert "nobody is at a terminal" in stopped.stderr
    assert not guard_env.marker.exists()

    accepted = guard_env.run("npm", "--yes", "install", "warn-pad", cwd=npm_project)

    assert accepted.returncode == 0, accepted.stderr
    # The real command ran unchanged, install script included.
    assert guard_env.marker.read_text() == "x"
    assert (npm_project / "node_modules" / "warn-pad").is_dir()


def test_allow_warn_in_the_config_lets_ci_proceed(
    guard_env: Env, npm_registry: NpmRegistry, npm_project: Path
) -> None:
    (npm_project / "depshield.toml").write_text("[guard]\nallow-warn = true\n")

    done = guard_env.run("npm", "install", "warn-pad", cwd=npm_project, extra={"CI": "true"})

    assert done.returncode == 0, done.stderr
    assert "warnings accepted by [guard] allow-warn" in done.stderr
    assert (npm_project / "node_modules" / "warn-pad").is_dir()


def test_dry_run_installs_nothing(
    guard_env: Env, npm_registry: NpmRegistry, npm_project: Path
) -> None:
    done = guard_env.run("npm", "--dry-run", "install", "clean-pad", cwd=npm_project)

    assert done.returncode == 0, done.stderr
    assert "--dry-run: nothing was installed" in done.stderr
    assert not (npm_project / "node_modules").exists()
    assert not (npm_project / "package-lock.json").exists()
    assert _deps(npm_project) == {}


def test_npm_errors_pass_through_with_npm_exit_code(
    guard_env: Env, npm_registry: NpmRegistry, npm_project: Path
) -> None:
    plain = subprocess.run(
        ["npm", "install", "no-such-package"],
        cwd=npm_project,
        env=guard_env.vars,
        capture_output=True,
        text=True,
    )

    done = guard_env.run("npm", "install", "no-such-package", cwd=npm_project)

    assert plain.returncode != 0
    assert done.returncode == plain.returncode
    assert "E404" in done.stderr and "no-such-package" in done.stderr
    assert "nothing was installed" in done.stderr
    assert not (npm_project / "node_modules").exists()


def test_other_npm_commands_run_straight_through(
    guard_env: Env, npm_registry: NpmRegistry, npm_project: Path
) -> None:
    (npm_project / "package.json").write_text(
        '{"name": "project", "version": "1.0.0", "scripts": {"fail": "echo failing; exit 7"}}\n'
    )

    done = guard_env.run("npm", "run", "fail", cwd=npm_project)

    assert done.returncode == 7
    assert "failing" in done.stdout
    assert "depshield" not in done.stderr


def test_registry_down_stops_with_a_clear_message(
    guard_env: Env, npm_project: Path, unused_port: int
) -> None:
    down = {"npm_config_registry": f"http://127.0.0.1:{unused_port}/"}

    done = guard_env.run("npm", "install", "clean-pad", cwd=npm_project, extra=down)

    assert done.returncode == 3, done.stderr
    assert "the registry cannot be reached" in done.stderr
    assert "--force" in done.stderr
    assert not (npm_project / "node_modules").exists()


def test_npx_checks_the_package_it_would_fetch(
    guard_env: Env, npm_registry: NpmRegistry, npm_project: Path
) -> None:
    done = guard_env.run("npx", "--dry-run", "--", "--yes", "env-collector", cwd=npm_project)

    assert done.returncode == 1, done.stderr
    assert "BLOCK npm:env-collector@1.0.0" in done.stderr
    assert not guard_env.marker.exists()


def _on_terminal(env: Env, cwd: Path, answer: str, *args: str) -> tuple[int, str]:
    """Run with stdin and stderr on a pseudo-terminal, typing `answer` ahead."""
    import os
    import pty
    import select
    import sys

    master, slave = pty.openpty()
    os.write(master, answer.encode())
    process = subprocess.Popen(
        [sys.executable, "-m", "depshield.cli.main", *args],
        cwd=cwd,
        env=env.vars,
        stdin=slave,
        stderr=slave,
        stdout=subprocess.DEVNULL,
    )
    os.close(slave)
    shown = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        try:
            chunk = os.read(master, 4096) if ready else b""
        except OSError:  # the terminal's other end closed: the process is done
            chunk = b""
        if not chunk:
            break
        shown += chunk
    os.close(master)
    return process.wait(timeout=120), shown.decode(errors="replace")


def test_warning_on_a_terminal_asks_and_no_is_the_default(
    guard_env: Env, npm_registry: NpmRegistry, npm_project: Path
) -> None:
    code, shown = _on_terminal(guard_env, npm_project, "\n", "npm", "install", "warn-pad")

    assert "install anyway? [y/N]" in shown
    assert code == 1
    assert "not installing (not confirmed)" in shown
    assert not (npm_project / "node_modules").exists()
    assert not guard_env.marker.exists()
