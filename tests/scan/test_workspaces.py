"""npm workspace monorepos: a member the root lockfile covers is no manifest of its own, and a
range the registry cannot resolve leaves the report incomplete (never a silent pass)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.registry_server import RegistryServer, isolate_env, make_tgz, sri

from depshield.cli.main import main
from depshield.lockfiles.parsers import parsers
from depshield.scan.discover import find_files

CLEAN = {
    "package.json": json.dumps({"name": "good-pkg", "version": "2.0.0", "main": "i.js"}).encode(),
    "i.js": b"module.exports = function add(a, b) {\n  return a + b;\n};\n",
}


def _publish(server: RegistryServer) -> str:
    tarball = make_tgz(CLEAN)
    path = "/good-pkg/-/good-pkg-2.0.0.tgz"
    server.bytes(path, tarball)
    version = {
        "name": "good-pkg",
        "version": "2.0.0",
        "dist": {"tarball": server.url.rstrip("/") + path, "integrity": sri(tarball)},
    }
    server.json(
        "/good-pkg",
        {"name": "good-pkg", "dist-tags": {"latest": "2.0.0"}, "versions": {"2.0.0": version}},
    )
    return sri(tarball)


def _write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) if not isinstance(data, str) else data)


def _monorepo(root: Path, integrity: str | None) -> Path:
    """Root `workspaces: ["packages/*"]`; app depends on its sibling util and on good-pkg. With
    `integrity`, a package-lock.json v3 locks both workspaces (links) and good-pkg."""
    _write(root / "package.json", {"name": "mono", "private": True, "workspaces": ["packages/*"]})
    app = {"name": "@mono/app", "version": "2.0.0"}
    app["dependencies"] = {"@mono/util": "^1.0.0", "good-pkg": "^2.0.0"}  # type: ignore[assignment]
    _write(root / "packages/app/package.json", app)
    _write(root / "packages/util/package.json", {"name": "@mono/util", "version": "1.0.0"})
    if integrity is not None:
        tarball = "https://registry.example.invalid/good-pkg/-/good-pkg-2.0.0.tgz"
        packages = {
            "": {"name": "mono", "workspaces": ["packages/*"]},
            "node_modules/@mono/app": {"resolved": "packages/app", "link": True},
            "node_modules/@mono/util": {"resolved": "packages/util", "link": True},
            "node_modules/good-pkg": {
                "version": "2.0.0",
                "resolved": tarball,
                "integrity": integrity,
            },
            "packages/app": app,
            "packages/util": {"name": "@mono/util", "version": "1.0.0"},
        }
        lock = {"name": "mono", "lockfileVersion": 3, "requires": True, "packages": packages}
        _write(root / "package-lock.json", lock)
    return root


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry_server: RegistryServer) -> Path:
    isolate_env(monkeypatch, tmp_path)
    monkeypatch.setenv("npm_config_registry", registry_server.url)
    monkeypatch.delenv("CI", raising=False)
    return tmp_path


def test_members_locked_by_the_root_are_not_manifests(env, registry_server, capsys) -> None:
    root = _monorepo(env / "mono", _publish(registry_server))
    code = main(["scan", str(root), "--format", "json"])
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["project"]["lockfiles"] == ["package-lock.json"]
    assert {p["name"] for p in report["packages"]} == {"good-pkg"}
    assert report["complete"] is True and "cannot resolve" not in out + err
    assert code == 0


def test_an_unlocked_monorepos_unresolvable_sibling_makes_it_incomplete(
    env, registry_server, capsys
) -> None:
    _publish(registry_server)
    root = _monorepo(env / "mono", None)  # no lockfile: each member resolves on its own
    code = main(["scan", str(root), "--format", "json"])
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert "packages/app/package.json" in report["project"]["lockfiles"]
    assert report["complete"] is False
    assert code == 6  # not a pass: @mono/util and what it brings were never analysed
    first = err.splitlines()[0]
    assert first.startswith("depshield: error: packages/app/package.json: cannot resolve ")
    assert "@mono/util ^1.0.0" in first and err.splitlines()[1].startswith("Tip: ")


def test_workspace_globs_follow_pnpm_exclusions_and_folder_depth(tmp_path: Path) -> None:
    root = tmp_path / "mono"
    _write(root / "package.json", {"name": "mono", "private": True})
    _write(root / "pnpm-lock.yaml", "lockfileVersion: '9.0'\n")
    _write(root / "pnpm-workspace.yaml", "packages:\n  - 'packages/*'\n  - '!packages/legacy'\n")
    for member in ("packages/app", "packages/legacy", "packages/app/fixtures/inner", "tools/x"):
        _write(root / member / "package.json", {"name": member.replace("/", "-")})
    found = sorted(p.relative_to(root).as_posix() for p, _ in find_files(root, parsers()))
    # legacy is excluded, inner sits two folders below the glob and tools/x is no member.
    assert found == [
        "packages/app/fixtures/inner/package.json",
        "packages/legacy/package.json",
        "pnpm-lock.yaml",
        "tools/x/package.json",
    ]
