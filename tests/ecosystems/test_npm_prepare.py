"""npm runs `prepare` only for git and local installs: no install script of a registry tarball."""

from __future__ import annotations

from pathlib import Path

from depshield.api import analyze_artifact
from tests.support.registry_server import make_tgz

PKG = b'{\n  "name": "p",\n  "version": "1.0.0",\n  "scripts": {"prepare": "node build.js"}\n}\n'
BUILD = b"require('child_process').execSync('tsc')\n"


def tarball(tmp_path: Path) -> Path:
    path = tmp_path / "p-1.0.0.tgz"
    path.write_bytes(make_tgz({"package.json": PKG, "build.js": BUILD, "index.js": b"x = 1\n"}))
    return path


def test_registry_tarball_prepare_is_not_an_install_script(tmp_path: Path) -> None:
    metadata = {"name": "p", "version": "1.0.0", "dist": {"tarball": "http://r.invalid/p.tgz"}}
    result = analyze_artifact(tarball(tmp_path), ecosystem="npm", metadata=metadata)
    assert not [a for a in result.alerts if a.type == "installScripts"]
    assert any("prepare script not run for registry installs" in n for n in result.notes)


def test_a_local_folder_or_archive_keeps_prepare_as_an_install_script(tmp_path: Path) -> None:
    result = analyze_artifact(tarball(tmp_path), ecosystem="npm")  # no registry metadata
    found = [a for a in result.alerts if a.type == "installScripts"]
    assert [(a.file, a.line, a.props["script"]) for a in found] == [("package.json", 4, "prepare")]


def test_postinstall_in_a_registry_tarball_is_still_an_install_script(tmp_path: Path) -> None:
    pkg = PKG.replace(b'"prepare"', b'"postinstall"')
    path = tmp_path / "q.tgz"
    path.write_bytes(make_tgz({"package.json": pkg, "build.js": BUILD}))
    result = analyze_artifact(path, ecosystem="npm", metadata={"name": "p", "version": "1.0.0"})
    found = [a for a in result.alerts if a.type == "installScripts"]
    assert [(a.file, a.line) for a in found] == [("package.json", 4)]
