"""pnpm-lock.yaml 5.x, 6.x and 9.x: peer suffixes, aliases, importers, links and flags."""

from __future__ import annotations

from pathlib import Path

from support.lockfiles import by_key, fixture_parser

from depshield.lockfiles.base import ROOT
from depshield.lockfiles.graph import introduced_by
from depshield.lockfiles.pnpm import PnpmLockParser

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lockfiles" / "npm"
parse = fixture_parser(PnpmLockParser(), FIXTURES)
TINY_SHA = "0123456789abcdef0123456789abcdef01234567"


def test_wants_pnpm_lock_only() -> None:
    assert PnpmLockParser().wants(Path("pnpm-lock.yaml"))
    assert not PnpmLockParser().wants(Path("pnpm-workspace.yaml"))


def test_v9_peer_suffixes_fold_into_one_package_per_version() -> None:
    lockfile = parse("pnpm-v9-peer-suffixes.yaml")
    assert lockfile.format == "pnpm@9"
    packages = by_key(lockfile)
    react_dom = packages["react-dom@18.2.0"]
    assert react_dom.line == 55  # the `packages` entry, not the snapshot
    assert react_dom.hashes == ("sha512-DDDD",)
    assert react_dom.source == "registry" and react_dom.direct
    assert ("react-dom@18.2.0", "react@18.2.0") in lockfile.edges
    assert ("vitest@0.34.6", "react@18.2.0") in lockfile.edges
    paths = introduced_by(lockfile)
    assert paths["js-tokens@4.0.0"] == "react-dom > loose-envify > js-tokens"


def test_v9_alias_git_tarball_and_flags() -> None:
    lockfile = parse("pnpm-v9-peer-suffixes.yaml")
    packages = by_key(lockfile)
    assert packages["string-width@4.2.3"].direct and packages["string-width@4.2.3"].line == 64
    assert "str-cjs@4.2.3" not in packages
    tiny = packages["tiny-lib@1.0.0"]
    assert tiny.source == "git" and tiny.line == 68
    assert tiny.resolved == f"https://codeload.github.com/example-user/tiny-lib/tar.gz/{TINY_SHA}"
    # An alias inside a snapshot: tiny-lib depends on str-cjs -> string-width.
    assert ("tiny-lib@1.0.0", "string-width@4.2.3") in lockfile.edges
    assert packages["vitest@0.34.6"].dev and packages["vitest@0.34.6"].direct
    assert packages["fsevents@2.3.3"].optional and not packages["fsevents@2.3.3"].dev
    assert not packages["react@18.2.0"].dev  # reached from react-dom in production too


def test_v9_importers_are_workspaces_and_links() -> None:
    lockfile = parse("pnpm-v9-peer-suffixes.yaml")
    packages = by_key(lockfile)
    ui = packages["@mono/ui@"]  # named by the importer that links to it; no version recorded
    assert ui.source == "workspace" and ui.resolved == "link:packages/ui" and ui.direct
    assert (ROOT, "@mono/ui@") in lockfile.edges
    assert ("@mono/ui@", "react@18.2.0") in lockfile.edges
    assert packages["react@18.2.0"].direct  # a workspace's own dependency
    shared = packages["shared@"]
    assert shared.source == "link" and shared.resolved == "link:../../shared"
    assert introduced_by(lockfile)["shared@"] == "@mono/ui > shared"


def test_v6_recorded_dev_flags_and_paths() -> None:
    lockfile = parse("pnpm-v6-dev-flags.yaml")
    assert lockfile.format == "pnpm@6"
    packages = by_key(lockfile)
    assert packages["@types/react@18.2.0"].dev and packages["@types/react@18.2.0"].line == 25
    assert not packages["react@18.2.0"].dev and packages["react@18.2.0"].line == 49
    assert packages["react-dom@18.2.0"].line == 40
    assert packages["string-width@4.2.3"].direct  # alias `/string-width@4.2.3`
    tiny = packages["tiny-lib@1.0.0"]  # name and version from the entry's own fields
    assert tiny.source == "git" and tiny.line == 59 and tiny.direct
    assert introduced_by(lockfile)["js-tokens@4.0.0"] == "react-dom > loose-envify > js-tokens"


def test_v5_underscore_peer_suffix_scoped_names_and_flags() -> None:
    lockfile = parse("pnpm-v5-peer-underscore.yaml")
    assert lockfile.format == "pnpm@5"
    packages = by_key(lockfile)
    assert set(packages) == {
        "@babel/core@7.20.12",
        "debug@4.3.4",
        "eslint-utils@4.4.0",
        "ms@2.1.2",
        "string-width@4.2.3",
    }
    assert packages["eslint-utils@4.4.0"].dev and packages["eslint-utils@4.4.0"].line == 29
    assert not packages["ms@2.1.2"].dev  # no `dev:` key: used in production and development
    assert packages["@babel/core@7.20.12"].line == 17
    assert ("eslint-utils@4.4.0", "@babel/core@7.20.12") in lockfile.edges
    assert (ROOT, "string-width@4.2.3") in lockfile.edges
    assert introduced_by(lockfile)["ms@2.1.2"] == "eslint-utils > ms"
