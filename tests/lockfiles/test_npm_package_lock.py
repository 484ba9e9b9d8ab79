"""package-lock.json v1, v2 and v3: names, versions, lines, flags, sources, edges and paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.lockfiles import by_key, fixture_parser

from depshield.lockfiles.base import ROOT
from depshield.lockfiles.graph import introduced_by
from depshield.lockfiles.npm_lock import NpmLockParser
from depshield.lockfiles.npm_lock_v1 import GUESSED_DIRECT

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lockfiles" / "npm"
parse = fixture_parser(NpmLockParser(), FIXTURES, with_manifest=True)


def test_wants_lockfiles_and_shrinkwrap_by_name() -> None:
    parser = NpmLockParser()
    assert parser.wants(Path("a/package-lock.json"))
    assert parser.wants(Path("npm-shrinkwrap.json"))
    assert not parser.wants(Path("package.json"))
    assert not parser.wants(Path("yarn.lock"))


def test_one_package_v3() -> None:
    lockfile = parse("one-package.v3.json")
    assert lockfile.format == "package-lock@3"
    assert lockfile.ecosystem == "npm"
    (package,) = lockfile.packages
    assert (package.name, package.version, package.line) == ("left-pad", "1.3.0", 14)
    assert package.resolved == "https://registry.example.invalid/left-pad/-/left-pad-1.3.0.tgz"
    assert package.hashes[0].startswith("sha512-XI5MPz")
    assert package.source == "registry"
    assert package.direct and not package.dev and not package.optional
    assert lockfile.edges == ((ROOT, "left-pad@1.3.0"),)


def test_scoped_packages_v2_lines_and_flags() -> None:
    packages = by_key(parse("scoped-packages.v2.json"))
    assert packages["@babel/core@7.20.12"].line == 22
    assert packages["@types/node@20.1.0"].line == 30
    assert packages["@types/node@20.1.0"].dev
    assert packages["fsevents@2.3.2"].optional and not packages["fsevents@2.3.2"].dev
    assert packages["jest@29.5.0"].dev and packages["jest@29.5.0"].direct
    # devOptional: optional in production, plain in development -> not dev, optional.
    assert not packages["qs@6.11.0"].dev and packages["qs@6.11.0"].optional
    assert packages["ms@2.1.2"].hashes == ("sha512-IIII", "sha1-JJJJ")
    direct = {p.key for p in packages.values() if p.direct}
    assert direct == {"@babel/core@7.20.12", "express@4.18.2", "@types/node@20.1.0",
                      "jest@29.5.0", "fsevents@2.3.2"}  # fmt: skip


def test_same_version_at_two_paths_is_one_package_with_every_edge() -> None:
    lockfile = parse("scoped-packages.v2.json")
    ms = [p for p in lockfile.packages if p.key == "ms@2.0.0"]
    assert len(ms) == 1
    assert ms[0].line == 68  # the first copy, under express
    # One copy is dev (under jest), the other is not: the package is needed in production.
    assert not ms[0].dev
    assert ("debug@2.6.9", "ms@2.0.0") in lockfile.edges
    assert ("jest@29.5.0", "ms@2.0.0") in lockfile.edges


def test_node_resolution_prefers_the_nested_copy() -> None:
    lockfile = parse("scoped-packages.v2.json")
    edges = set(lockfile.edges)
    # express requires debug 2.6.9 from its own node_modules, @babel/core the hoisted 4.3.4.
    assert ("express@4.18.2", "debug@2.6.9") in edges
    assert ("@babel/core@7.20.12", "debug@4.3.4") in edges
    assert ("debug@4.3.4", "ms@2.1.2") in edges
    assert ("debug@2.6.9", "ms@2.0.0") in edges  # found by walking up to express/node_modules
    paths = introduced_by(lockfile)
    assert paths["ms@2.0.0"] == "jest > ms"  # the shortest way in
    assert paths["debug@2.6.9"] == "express > debug"
    assert paths["ms@2.1.2"] == "@babel/core > debug > ms"
    assert paths["qs@6.11.0"] == "express > qs"
    # jest's optional fsevents and its peer @types/node are edges too.
    assert ("jest@29.5.0", "fsevents@2.3.2") in edges
    assert ("jest@29.5.0", "@types/node@20.1.0") in edges


def test_git_http_file_sources_and_alias_v3() -> None:
    packages = by_key(parse("git-and-http-deps.v3.json"))
    assert packages["from-git@1.0.0"].source == "git"
    assert packages["from-git@1.0.0"].resolved.startswith("git+ssh://")  # type: ignore[union-attr]
    assert packages["from-github@1.1.0"].source == "git"
    assert packages["from-tarball@2.0.0"].source == "http"
    assert packages["from-file@3.0.0"].source == "file"
    assert packages["left-pad@1.3.0"].source == "registry"
    shared = packages["shared@0.1.0"]  # a `file:` directory: a link outside the project
    assert shared.source == "link" and shared.direct
    # The alias folder `str-cjs` installs string-width: the real name is what gets analysed.
    alias = packages["string-width@4.2.3"]
    assert alias.direct and alias.line == 62
    assert "str-cjs@4.2.3" not in packages


def test_links_are_followed_for_edges() -> None:
    lockfile = parse("git-and-http-deps.v3.json")
    assert (ROOT, "shared@0.1.0") in lockfile.edges
    # The linked folder outside the project resolves from its own node_modules, never from the
    # project's: left-pad 1.2.0 for shared, 1.3.0 for from-github.
    assert ("shared@0.1.0", "left-pad@1.2.0") in lockfile.edges
    assert ("shared@0.1.0", "left-pad@1.3.0") not in lockfile.edges
    # from-file is only in the project's node_modules, where node never looks from ../shared.
    assert not any(parent == "shared@0.1.0" and child.startswith("from-file@")
                   for parent, child in lockfile.edges)  # fmt: skip
    assert ("from-github@1.1.0", "left-pad@1.3.0") in lockfile.edges
    paths = introduced_by(lockfile)
    assert paths["left-pad@1.2.0"] == "shared > left-pad"
    assert paths["left-pad@1.3.0"] == "from-github > left-pad"


def test_workspaces_v3() -> None:
    lockfile = parse("workspaces.v3.json")
    packages = by_key(lockfile)
    app, util = packages["@mono/app@2.0.0"], packages["@mono/util@1.0.0"]
    assert app.source == util.source == "workspace"
    assert app.line == 36 and util.line == 61
    assert (ROOT, "@mono/app@2.0.0") in lockfile.edges
    # app's lodash ^3 comes from its own folder's node_modules, util's from the root.
    assert ("@mono/app@2.0.0", "lodash@3.10.1") in lockfile.edges
    assert ("@mono/util@1.0.0", "lodash@4.17.21") in lockfile.edges
    assert ("@mono/app@2.0.0", "@mono/util@1.0.0") in lockfile.edges
    # A workspace's devDependencies are installed too (vitest, dev); its deps are direct.
    assert ("@mono/app@2.0.0", "vitest@0.34.6") in lockfile.edges
    assert packages["vitest@0.34.6"].dev and packages["vitest@0.34.6"].direct
    assert packages["typescript@5.1.6"].dev and packages["typescript@5.1.6"].direct
    assert introduced_by(lockfile)["lodash@3.10.1"] == "@mono/app > lodash"


def test_v1_nested_with_manifest() -> None:
    manifest = (FIXTURES / "nested-node-modules.package.json").read_text()
    lockfile = parse("nested-node-modules.v1.json", manifest)
    assert lockfile.format == "package-lock@1"
    assert lockfile.notes == ()
    packages = by_key(lockfile)
    assert packages["body-parser@1.20.1"].line == 7
    assert packages["debug@2.6.9"].line == 16  # first copy, nested in body-parser
    assert packages["mocha@10.2.0"].dev and packages["ms@2.1.3"].dev
    assert not packages["ms@2.0.0"].dev
    alias = packages["string-width@4.2.3"]
    assert alias.direct and alias.source == "registry"
    git = packages["tiny-lib@github:example-user/tiny-lib#0123456789abcdef0123456789abcdef01234567"]
    assert git.source == "git" and git.resolved is not None and git.direct
    direct = {p.name for p in lockfile.packages if p.direct}
    assert direct == {"express", "string-width", "tiny-lib", "mocha"}
    paths = introduced_by(lockfile)
    assert paths["qs@6.11.0"] == "express > body-parser > qs"
    assert paths["ms@2.0.0"] == "express > debug > ms"
    assert paths["ms@2.1.3"] == "mocha > ms"


def test_v1_without_manifest_guesses_direct_dependencies(tmp_path: Path) -> None:
    lock = tmp_path / "package-lock.json"  # no package.json beside it
    lock.write_text((FIXTURES / "nested-node-modules.v1.json").read_text())
    lockfile = NpmLockParser().parse(lock, lock.read_text())
    assert lockfile.notes == (GUESSED_DIRECT,)
    direct = {p.name for p in lockfile.packages if p.direct}
    # body-parser, qs and ms 2.1.3 are required by others, so they are not guessed direct.
    assert direct == {"express", "mocha", "string-width", "tiny-lib"}


def test_v1_reads_the_manifest_beside_it(tmp_path: Path) -> None:
    lock = tmp_path / "npm-shrinkwrap.json"
    lock.write_text((FIXTURES / "nested-node-modules.v1.json").read_text())
    (tmp_path / "package.json").write_text('{"dependencies": {"qs": "^6"}}')
    lockfile = NpmLockParser().parse(lock, lock.read_text())
    assert lockfile.notes == ()
    assert {p.name for p in lockfile.packages if p.direct} == {"qs"}


@pytest.mark.parametrize(
    "name", ["one-package.v3.json", "scoped-packages.v2.json", "workspaces.v3.json"]
)
def test_every_package_is_reachable_and_has_a_line(name: str) -> None:
    lockfile = parse(name)
    paths = introduced_by(lockfile)
    text_lines = (FIXTURES / name).read_text().splitlines()
    for package in lockfile.packages:
        assert package.key in paths
        assert package.line > 0
        assert package.name.rpartition("/")[2] in text_lines[package.line - 1]


def test_a_linked_folder_without_a_name_takes_the_name_it_is_installed_under(
    tmp_path: Path,
) -> None:
    # npm links `node_modules/<name of the folder's package.json>` to the folder; a target
    # entry without `name` is that package, not one named after the folder.
    lock = {
        "name": "app", "lockfileVersion": 3, "requires": True,
        "packages": {
            "": {"name": "app", "dependencies": {"@team/util": "file:libs/util-src"}},
            "libs/util-src": {"version": "2.1.0"},
            "node_modules/@team/util": {"resolved": "libs/util-src", "link": True},
        },
    }  # fmt: skip
    import json

    path = tmp_path / "package-lock.json"
    path.write_text(json.dumps(lock, indent=2))
    lockfile = NpmLockParser().parse(path, path.read_text())
    names = {(p.name, p.version) for p in lockfile.packages}
    assert ("@team/util", "2.1.0") in names
    assert not any(p.name == "util-src" for p in lockfile.packages)
