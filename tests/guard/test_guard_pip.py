"""`depshield pip install ...` against a loopback PEP 503 index, into a throwaway venv."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from guard_registries import FIXTURES, Env, PypiIndex, site_packages
from support.packages import folder_files, make_wheel

pytestmark = pytest.mark.slow


def _installed(venv: Path, module: str) -> bool:
    return (site_packages(venv) / module).exists()


def test_blocked_wheel_never_reaches_site_packages(
    guard_env: Env, pip_index: PypiIndex, venv: Path, tmp_path: Path
) -> None:
    done = guard_env.run("pip", "install", "env-collector", cwd=tmp_path)

    assert done.returncode == 1, done.stderr
    assert "BLOCK pypi:env-collector==1.0.0" in done.stderr
    assert "env_collector/__init__.py:11" in done.stderr
    assert "pip install --dry-run --report --only-binary=:all:" in done.stderr
    assert not _installed(venv, "env_collector")
    assert not _installed(venv, "env_collector.pth")
    assert not _installed(venv, "clean_pad")  # its dependency is not installed either
    # Its .pth line would run at every interpreter start: start one, and look for the marker.
    python = venv / "bin" / "python"
    subprocess.run([python, "-c", "pass"], env=guard_env.vars, check=True)
    assert not guard_env.marker.exists()


def test_clean_wheel_installs_and_imports(
    guard_env: Env, pip_index: PypiIndex, venv: Path, tmp_path: Path
) -> None:
    (tmp_path / "requirements.txt").write_text("clean-pad>=1.0\n")

    done = guard_env.run("pip", "install", "-r", "requirements.txt", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert "checked 1: 0 blocked, 0 with warnings, 1 passed" in done.stderr
    imported = subprocess.run(
        [venv / "bin" / "python", "-c", "import clean_pad; print(clean_pad.pad('a', 3, '*'))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout.strip() == "**a"


def test_sdist_only_package_is_checked_without_pip_building_it(
    guard_env: Env, pip_index: PypiIndex, venv: Path, tmp_path: Path
) -> None:
    done = guard_env.run("pip", "install", "setup-collector", cwd=tmp_path)

    assert done.returncode == 1, done.stderr
    assert "BLOCK pypi:setup-collector==1.0.0" in done.stderr
    assert "[install] setup.py:" in done.stderr
    assert "resolved with the index's metadata" in done.stderr
    assert not guard_env.marker.exists()  # neither the guard nor pip ran setup.py
    assert not _installed(venv, "setup_collector")


def test_local_project_is_never_handed_to_pip_for_resolution(
    guard_env: Env, pip_index: PypiIndex, venv: Path, tmp_path: Path
) -> None:
    project = tmp_path / "local"
    project.mkdir()
    (project / "setup.py").write_bytes((FIXTURES / "pypi/setup_collector/setup.py").read_bytes())

    done = guard_env.run("pip", "--dry-run", "install", "./local", cwd=tmp_path)

    # Analysed from disk (issue 12): its setup.py collects the environment at install time.
    assert done.returncode == 1, done.stderr
    assert "BLOCK pypi:local" in done.stderr and "[install] setup.py:" in done.stderr
    assert "./local: its dependencies are declared by its setup code" in done.stderr
    assert not guard_env.marker.exists()


def test_pip_errors_pass_through_with_pip_exit_code(
    guard_env: Env, pip_index: PypiIndex, venv: Path, tmp_path: Path
) -> None:
    plain = subprocess.run(
        [venv / "bin" / "pip", "install", "no-such-package"],
        env=guard_env.vars,
        capture_output=True,
        text=True,
    )

    done = guard_env.run("pip", "install", "no-such-package", cwd=tmp_path)

    assert plain.returncode != 0
    assert done.returncode == plain.returncode
    assert "No matching distribution found for no-such-package" in done.stderr
    assert "nothing was installed" in done.stderr


def test_other_pip_commands_run_straight_through(
    guard_env: Env, pip_index: PypiIndex, tmp_path: Path
) -> None:
    done = guard_env.run("pip", "show", "no-such-package", cwd=tmp_path)

    assert done.returncode == 1  # pip's own "not found" code
    assert "depshield" not in done.stderr


def test_index_down_stops_with_a_clear_message(
    guard_env: Env, pip_index: PypiIndex, venv: Path, tmp_path: Path, unused_port: int
) -> None:
    down = {"PIP_INDEX_URL": f"http://127.0.0.1:{unused_port}/simple/"}

    done = guard_env.run("pip", "install", "env-collector", cwd=tmp_path, extra=down)

    assert done.returncode == 3, done.stderr
    assert "the package index cannot be reached" in done.stderr


def _local_wheel(tmp_path: Path, name: str, folder: str, requires: list[str]) -> Path:
    files = folder_files(FIXTURES / "pypi" / folder)
    files = {(k if k.endswith(".pth") else f"{folder}/{k}"): v for k, v in files.items()}
    path = tmp_path / "dist" / f"{name.replace('-', '_')}-1.0.0-py3-none-any.whl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(make_wheel(name, "1.0.0", files, requires))
    return path


def test_local_stealer_wheel_is_analysed_and_refused(
    guard_env: Env, pip_index: PypiIndex, venv: Path, tmp_path: Path
) -> None:
    wheel = _local_wheel(tmp_path, "env-collector", "env_collector", ["clean-pad>=1.0"])
    done = guard_env.run("pip", "install", f"./dist/{wheel.name}", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "BLOCK pypi:env-collector==1.0.0" in done.stderr
    assert "env_collector/__init__.py:11" in done.stderr
    assert "nothing was installed" in done.stderr or "not installing" in done.stderr
    assert not _installed(venv, "env_collector")  # (the module's venv may hold clean_pad)
    assert not _installed(venv, "env_collector.pth")
    assert not guard_env.marker.exists()


def test_local_clean_wheel_and_its_dependencies_are_checked_then_installed(
    guard_env: Env, pip_index: PypiIndex, venv: Path, tmp_path: Path
) -> None:
    wheel = _local_wheel(tmp_path, "pad-user", "clean_pad", ["clean-pad>=1.0"])
    done = guard_env.run("pip", "install", f"./dist/{wheel.name}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "checked 2: 0 blocked, 0 with warnings, 2 passed" in done.stderr
    assert "not checked" not in done.stderr
    assert _installed(venv, "clean_pad")


def test_local_project_with_static_dependencies_installs_when_clean(
    guard_env: Env, pip_index: PypiIndex, venv: Path, tmp_path: Path
) -> None:
    project = tmp_path / "proj"
    (project / "proj").mkdir(parents=True)
    (project / "proj" / "__init__.py").write_text("def hello():\n    return 'hi'\n")
    (project / "pyproject.toml").write_text(
        '[project]\nname = "proj"\nversion = "0.1.0"\ndependencies = ["clean-pad>=1.0"]\n'
    )
    done = guard_env.run("pip", "--dry-run", "install", "./proj", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "checked 2: 0 blocked, 0 with warnings, 2 passed" in done.stderr
    assert "not checked" not in done.stderr
