"""`depshield npm install ./folder`, a tarball, a `file:` spec (issue 12): analysed as local
packages, then installed or refused by the analysis (it used to fail with npm's ENOENT, exit 254:
the guard resolved in a temporary copy of the project that lacked the folder)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from guard_registries import FIXTURES, Env
from support.registry_server import make_tgz

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed"),
]


def _local(tmp: Path, name: str) -> Path:
    target = tmp / "pkgs" / name
    shutil.copytree(FIXTURES / "npm" / name, target)
    return target


def _tarball(tmp: Path, name: str) -> Path:
    folder = FIXTURES / "npm" / name
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    path = tmp / "pkgs" / f"{name}-1.0.0.tgz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(make_tgz(files))
    return path


def _deps(project: Path) -> dict[str, str]:
    deps: dict[str, str] = json.loads((project / "package.json").read_text()).get(
        "dependencies", {}
    )
    return deps


@pytest.mark.parametrize("form", ["folder", "file-spec", "tarball"])
def test_a_local_stealer_is_analysed_and_refused(
    guard_env: Env, npm_registry: object, npm_project: Path, tmp_path: Path, form: str
) -> None:
    if form == "tarball":
        spec = "../pkgs/env-collector-1.0.0.tgz"
        _tarball(tmp_path, "env-collector")
    else:
        _local(tmp_path, "env-collector")
        spec = "../pkgs/env-collector" if form == "folder" else "file:../pkgs/env-collector"
    done = guard_env.run("npm", "install", spec, cwd=npm_project)
    assert done.returncode == 1, done.stderr
    assert "ENOENT" not in done.stderr
    assert "BLOCK npm:env-collector@1.0.0" in done.stderr
    assert "dataExfiltration (error, critical) [install] collect.js:4" in done.stderr
    assert not guard_env.marker.exists()  # npm never ran: its postinstall never ran
    assert not (npm_project / "node_modules").exists()
    assert _deps(npm_project) == {}


@pytest.mark.parametrize("form", ["folder", "tarball"])
def test_a_clean_local_package_is_checked_then_installed(
    guard_env: Env, npm_registry: object, npm_project: Path, tmp_path: Path, form: str
) -> None:
    if form == "tarball":
        _tarball(tmp_path, "clean-pad")
        spec = "../pkgs/clean-pad-1.0.0.tgz"
    else:
        _local(tmp_path, "clean-pad")
        spec = "../pkgs/clean-pad"
    done = guard_env.run("npm", "install", "--ignore-scripts", spec, cwd=npm_project)
    assert done.returncode == 0, done.stderr
    assert "checked 1: 0 blocked, 0 with warnings, 1 passed" in done.stderr
    assert "not checked" not in done.stderr
    assert (npm_project / "node_modules" / "clean-pad" / "index.js").is_file()
    assert _deps(npm_project)["clean-pad"].startswith("file:")


def test_npm_ci_of_a_lockfile_with_a_local_stealer_is_refused(
    guard_env: Env, npm_registry: object, npm_project: Path, tmp_path: Path
) -> None:
    _local(tmp_path, "env-collector")
    lock = {
        "name": "project",
        "lockfileVersion": 3,
        "packages": {
            "": {
                "name": "project",
                "dependencies": {"env-collector": "file:../pkgs/env-collector"},
            },
            "../pkgs/env-collector": {"name": "env-collector", "version": "1.0.0"},
            "node_modules/env-collector": {"resolved": "../pkgs/env-collector", "link": True},
        },
    }
    (npm_project / "package-lock.json").write_text(json.dumps(lock, indent=2))
    done = guard_env.run("npm", "ci", cwd=npm_project)
    assert done.returncode == 1, done.stderr
    assert "BLOCK npm:env-collector@1.0.0" in done.stderr
    assert not guard_env.marker.exists()


def test_local_specs_are_made_absolute(tmp_path: Path) -> None:
    from depshield.guard.npm import local_specs

    here = tmp_path.resolve()
    assert local_specs(
        ["./a", "../b.tgz", "file:c", "x.tgz", "left-pad", "@s/n@1.0.0", "al@file:./d", "u/r"],
        here,
    ) == [
        f"file:{here / 'a'}",
        f"file:{here.parent / 'b.tgz'}",
        f"file:{here / 'c'}",
        f"file:{here / 'x.tgz'}",
        "left-pad",
        "@s/n@1.0.0",
        f"al@file:{here / 'd'}",
        "u/r",  # a GitHub shorthand, not a path
    ]
