"""yarn.lock, classic (v1) and berry: aliases, sources, patches, workspaces, manifest flags."""

from __future__ import annotations

from pathlib import Path

from support.lockfiles import by_key, fixture_parser

from depshield.lockfiles.base import ROOT
from depshield.lockfiles.graph import introduced_by
from depshield.lockfiles.yarn import NO_MANIFEST, YarnLockParser

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lockfiles" / "npm"
parse = fixture_parser(YarnLockParser(), FIXTURES, with_manifest=True)


CLASSIC_MANIFEST = (FIXTURES / "classic.package.json").read_text()
BERRY_MANIFEST = (FIXTURES / "berry.package.json").read_text()


def test_wants_yarn_lock_only() -> None:
    assert YarnLockParser().wants(Path("x/yarn.lock"))
    assert not YarnLockParser().wants(Path("yarn-error.log"))


def test_classic_entries_lines_and_hashes() -> None:
    lockfile = parse("classic-with-aliases.yarn.lock", CLASSIC_MANIFEST)
    assert lockfile.format == "yarn@1"
    packages = by_key(lockfile)
    frame = packages["@babel/code-frame@7.22.5"]
    assert frame.line == 5
    assert frame.hashes == ("sha512-AAAA",)
    assert frame.resolved is not None and frame.resolved.endswith(
        "#234d98e1551960604f1246e6475891a570ad5658"
    )
    assert packages["watcher@1.0.0"].line == 52
    assert len(lockfile.packages) == 9  # js-tokens and its alias are one package


def test_classic_alias_is_the_real_package() -> None:
    lockfile = parse("classic-with-aliases.yarn.lock", CLASSIC_MANIFEST)
    packages = by_key(lockfile)
    assert "my-tokens@4.0.0" not in packages
    tokens = packages["js-tokens@4.0.0"]
    assert tokens.direct  # through the alias my-tokens
    assert tokens.line == 24  # the first of its two entries
    assert (ROOT, "js-tokens@4.0.0") in lockfile.edges


def test_classic_sources() -> None:
    packages = by_key(parse("classic-with-aliases.yarn.lock", CLASSIC_MANIFEST))
    assert packages["tiny-lib@1.0.0"].source == "git"
    assert packages["from-tarball@2.0.0"].source == "http"
    assert packages["local-lib@0.1.0"].source == "file"
    assert packages["local-lib@0.1.0"].resolved is None
    assert packages["left-pad@1.3.0"].source == "registry"


def test_classic_dev_and_optional_from_the_manifest() -> None:
    lockfile = parse("classic-with-aliases.yarn.lock", CLASSIC_MANIFEST)
    packages = by_key(lockfile)
    assert lockfile.notes == ()
    # code-frame is in dependencies and devDependencies: production wins.
    assert not packages["@babel/code-frame@7.22.5"].dev
    assert not packages["js-tokens@4.0.0"].dev
    assert packages["watcher@1.0.0"].dev and packages["watcher@1.0.0"].direct
    fsevents = packages["fsevents@2.3.3"]
    assert fsevents.dev and fsevents.optional and not fsevents.direct
    paths = introduced_by(lockfile)
    assert paths["fsevents@2.3.3"] == "watcher > fsevents"
    assert paths["@babel/highlight@7.22.5"] == "@babel/code-frame > @babel/highlight"
    assert paths["left-pad@1.3.0"] == "local-lib > left-pad"


def test_classic_without_manifest_notes_it_and_guesses_direct(tmp_path: Path) -> None:
    lock = tmp_path / "yarn.lock"
    lock.write_text((FIXTURES / "classic-with-aliases.yarn.lock").read_text())
    lockfile = YarnLockParser().parse(lock, lock.read_text())
    assert lockfile.notes == (NO_MANIFEST,)
    direct = {p.name for p in lockfile.packages if p.direct}
    # js-tokens is required by @babel/highlight, so only a manifest could tell it is direct.
    assert direct == {"@babel/code-frame", "tiny-lib", "from-tarball", "local-lib", "watcher"}
    assert not any(p.dev for p in lockfile.packages)


def test_classic_reads_the_manifest_beside_it(tmp_path: Path) -> None:
    lock = tmp_path / "yarn.lock"
    lock.write_text((FIXTURES / "classic-with-aliases.yarn.lock").read_text())
    (tmp_path / "package.json").write_text(CLASSIC_MANIFEST)
    lockfile = YarnLockParser().parse(lock, lock.read_text())
    assert lockfile.notes == ()
    assert by_key(lockfile)["watcher@1.0.0"].dev


def test_berry_entries_checksums_and_lines() -> None:
    lockfile = parse("berry-patch-protocol.yarn.lock", BERRY_MANIFEST)
    assert lockfile.format == "yarn@berry"
    packages = by_key(lockfile)
    frame = packages["@babel/code-frame@7.22.5"]
    assert frame.line == 8
    assert frame.hashes == ("10c0/aaaa",)  # yarn's cache checksum, with its cache key
    assert frame.resolved == "@babel/code-frame@npm:7.22.5"
    assert frame.dev and frame.direct
    assert packages["js-tokens@4.0.0"].line == 40
    assert "my-tokens@4.0.0" not in packages
    assert "monorepo@0.0.0-use.local" not in packages  # the root workspace is the project


def test_berry_patches_fold_into_their_package_and_user_patches_are_noted() -> None:
    lockfile = parse("berry-patch-protocol.yarn.lock", BERRY_MANIFEST)
    packages = by_key(lockfile)
    left_pad = packages["left-pad@1.3.0"]
    assert left_pad.source == "registry" and left_pad.line == 47
    assert left_pad.direct and not left_pad.dev
    assert [n for n in lockfile.notes if n.startswith("patched: ")] == [
        "patched: left-pad@1.3.0 (left-pad@patch:left-pad@npm%3A1.3.0#~/.yarn/patches/"
        "left-pad-npm-1.3.0-abcdef.patch::version=1.3.0&hash=123456"
        "&locator=monorepo%40workspace%3A.)"
    ]  # fsevents' builtin compatibility patch is not a user patch
    fsevents = packages["fsevents@2.3.3"]
    assert fsevents.optional and fsevents.direct and fsevents.line == 25


def test_berry_workspaces_and_git() -> None:
    lockfile = parse("berry-patch-protocol.yarn.lock", BERRY_MANIFEST)
    packages = by_key(lockfile)
    util = packages["@mono/util@0.0.0-use.local"]
    assert util.source == "workspace" and util.line == 17 and util.direct
    assert ("@mono/util@0.0.0-use.local", "left-pad@1.3.0") in lockfile.edges
    git = packages["tiny-lib@1.0.0"]
    assert git.source == "git"
    assert git.resolved is not None and "#commit=0123456789" in git.resolved
    assert introduced_by(lockfile)["left-pad@1.3.0"] == "left-pad"


def test_berry_old_checksum_gets_the_cache_key() -> None:
    lockfile = parse("berry-old-checksum.yarn.lock", '{"dependencies": {"left-pad": "^1.3.0"}}')
    (package,) = lockfile.packages
    assert package.key == "left-pad@1.3.0" and package.line == 16
    assert package.hashes[0].startswith("8/13fa96e17b70")
    # Lockfile v6 writes ranges without `npm:`; the edge still resolves.
    assert lockfile.edges == ((ROOT, "left-pad@1.3.0"),)
