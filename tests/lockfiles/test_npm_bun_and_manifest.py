"""bun.lock (JSONC), the refused bun.lockb, and package.json read alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.lockfiles import by_key

from depshield.lockfiles.base import ROOT, Lockfile, LockfileError
from depshield.lockfiles.bun import BunLockParser
from depshield.lockfiles.graph import introduced_by
from depshield.lockfiles.package_json import (
    UNRESOLVED,
    PackageJsonParser,
    declared_ranges,
    workspace_folders,
    workspace_manifest,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lockfiles" / "npm"


def parse_bun() -> Lockfile:
    path = FIXTURES / "bun-workspaces.lock"
    return BunLockParser().parse(path, path.read_text())


def test_bun_wants_both_names() -> None:
    assert BunLockParser().wants(Path("bun.lock"))
    assert BunLockParser().wants(Path("bun.lockb"))
    assert not BunLockParser().wants(Path("bun.lock.json"))


def test_bun_packages_lines_and_sources() -> None:
    lockfile = parse_bun()
    assert lockfile.format == "bun@1"
    packages = by_key(lockfile)
    express = packages["express@4.18.2"]
    assert express.line == 28 and express.hashes == ("sha512-BBBB",) and express.direct
    assert express.source == "registry" and express.resolved is None
    alias = packages["string-width@4.2.3"]  # installed as str-cjs
    assert alias.line == 34 and alias.resolved == "https://mirror.example.invalid/"
    tiny = packages["tiny-lib@github:example-user/tiny-lib#0123456"]
    assert tiny.source == "git" and tiny.hashes == ()
    assert (
        packages["from-tarball@https://tarballs.example.invalid/from-tarball-2.0.0.tgz"].source
        == "http"
    )
    assert packages["ms@2.1.3"].line == 40


def test_bun_nested_paths_resolve_like_node() -> None:
    lockfile = parse_bun()
    edges = set(lockfile.edges)
    assert ("debug@2.6.9", "ms@2.0.0") in edges
    # The workspace's ms ^2.1.3 is installed in its own folder ("@mono/util/ms").
    assert ("@mono/util@1.2.0", "ms@2.1.3") in edges
    paths = introduced_by(lockfile)
    assert paths["ms@2.0.0"] == "express > debug > ms"
    assert paths["ms@2.1.3"] == "@mono/util > ms"


def test_bun_workspaces_and_dev_flags() -> None:
    lockfile = parse_bun()
    packages = by_key(lockfile)
    util = packages["@mono/util@1.2.0"]
    assert util.source == "workspace" and util.line == 24
    assert (ROOT, "@mono/util@1.2.0") in lockfile.edges
    assert packages["typescript@5.1.6"].dev and packages["typescript@5.1.6"].direct
    assert not packages["ms@2.0.0"].dev
    assert packages["ms@2.1.3"].direct  # a workspace's own dependency


def test_bun_lockb_is_refused_with_a_tip() -> None:
    path = FIXTURES / "bun.lockb"
    with pytest.raises(LockfileError) as caught:
        BunLockParser().parse(path, path.read_bytes().decode("latin-1"))
    assert "bun.lockb" in str(caught.value) and "binary" in str(caught.value)
    assert caught.value.tip == "run `bun install --save-text-lockfile` to write bun.lock beside it"


def test_package_json_alone_gives_ranges() -> None:
    path = FIXTURES / "manifest-only.package.json"
    lockfile = PackageJsonParser().parse(path, path.read_text())
    assert lockfile.format == "package.json"
    assert lockfile.notes == (UNRESOLVED,)
    packages = by_key(lockfile)
    express = packages["express@^4.18.2"]
    assert express.line == 5 and express.direct and express.source == "registry"
    assert packages["string-width@^4.2.3"].line == 6  # the alias str-cjs, by its real name
    assert packages["tiny-lib@example-user/tiny-lib#v1.0.0"].source == "git"
    assert (
        packages["from-tarball@https://tarballs.example.invalid/from-tarball-2.0.0.tgz"].source
        == "http"
    )
    assert packages["local-lib@file:../local-lib"].source == "file"
    assert packages["sibling@workspace:^"].source == "workspace"
    assert packages["jest@~29.7.0"].dev and packages["jest@~29.7.0"].source == "registry"
    assert packages["fsevents@2.3.3"].optional
    assert packages["react@>=18"].peer
    assert set(lockfile.edges) == {(ROOT, key) for key in packages}
    assert introduced_by(lockfile)["express@^4.18.2"] == "express"


def test_package_json_wants_only_that_name() -> None:
    assert PackageJsonParser().wants(Path("a/package.json"))
    assert not PackageJsonParser().wants(Path("package-lock.json"))


def test_declared_ranges() -> None:
    text = (FIXTURES / "manifest-only.package.json").read_text()
    ranges = declared_ranges(text)
    assert ranges["express"] == "^4.18.2"
    assert ranges["str-cjs"] == "npm:string-width@^4.2.3"
    assert ranges["jest"] == "~29.7.0" and ranges["react"] == ">=18"
    assert len(ranges) == 9
    both = declared_ranges('{"dependencies": {"a": "1"}, "optionalDependencies": {"a": "2"}}')
    assert both == {"a": "2"}  # npm: optionalDependencies override dependencies


def test_declared_ranges_of_bad_json_names_the_line() -> None:
    with pytest.raises(LockfileError) as caught:
        declared_ranges('{\n  "dependencies": {\n    "a": "1",\n  }\n}')
    assert caught.value.line == 4


def test_workspace_manifests_are_read_only_inside_the_project(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "packages" / "a").mkdir(parents=True)
    (project / "packages" / "a" / "package.json").write_text(
        '{"name": "@x/a", "version": "1.2.3", "devDependencies": {"jest": "^29"}}'
    )
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "package.json").write_text('{"name": "outside", "version": "9.9.9"}')
    lock = project / "yarn.lock"
    found = workspace_manifest(lock, "packages/a")
    assert found is not None
    assert (found.name, found.version, found.declared.dev) == ("@x/a", "1.2.3", {"jest": "^29"})
    assert workspace_manifest(lock, "../outside") is None
    assert workspace_manifest(lock, str(tmp_path / "outside")) is None
    assert workspace_manifest(lock, "packages/missing") is None
    assert [w.name for w in workspace_folders(lock, ("packages/*", "../*", "/*"))] == ["@x/a"]
