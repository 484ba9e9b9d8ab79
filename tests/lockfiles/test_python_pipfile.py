"""Pipfile.lock: default and develop, hashes, markers, sources, and the Pipfile beside it."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.lockfiles import fixture_parser

from depshield.lockfiles.base import ROOT, LockedPackage, Lockfile, LockfileError
from depshield.lockfiles.pipfile import PipfileLockParser

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lockfiles" / "python"
parse = fixture_parser(PipfileLockParser(), FIXTURES)


def by_name(lockfile: Lockfile) -> dict[str, LockedPackage]:
    return {p.name: p for p in lockfile.packages}


def test_wants_only_pipfile_lock() -> None:
    assert PipfileLockParser().wants(Path("Pipfile.lock"))
    assert not PipfileLockParser().wants(Path("Pipfile"))


def test_versions_lines_hashes_and_markers() -> None:
    lockfile = parse("dev-and-default.Pipfile.lock")
    assert lockfile.format == "pipfile@6"
    packages = by_name(lockfile)
    assert sorted(p.key for p in lockfile.packages) == [
        "acme-toolkit@",
        "colorama@0.4.6",
        "django@4.2.16",
        "pytest@8.3.3",
        "tarball@",
        "vendored@",
    ]
    django = packages["django"]
    assert (django.version, django.line) == ("4.2.16", 32)
    assert django.hashes == (
        "sha256:1ddc333a16fc139fd253035a1606bb24261951bbc3a6ca256717fa06cc41a898",
    )
    assert packages["colorama"].marker == "sys_platform == 'win32'"
    assert (packages["colorama"].line, len(packages["colorama"].hashes)) == (23, 2)
    assert packages["pytest"].line == 55


def test_develop_is_dev_unless_also_default() -> None:
    packages = by_name(parse("dev-and-default.Pipfile.lock"))
    assert packages["pytest"].dev
    assert not packages["colorama"].dev
    assert not packages["django"].dev


def test_git_file_and_path_sources() -> None:
    packages = by_name(parse("dev-and-default.Pipfile.lock"))
    assert (packages["acme-toolkit"].source, packages["acme-toolkit"].resolved) == (
        "git",
        "git+https://git.example.invalid/acme/toolkit.git@4f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6",
    )
    assert (packages["tarball"].source, packages["tarball"].resolved) == (
        "http",
        "https://files.example.invalid/tarball-0.3.0.tar.gz",
    )
    assert (packages["vendored"].source, packages["vendored"].resolved) == (
        "file",
        "./vendor/vendored",
    )


def test_flat_lock_gives_root_edges_only() -> None:
    lockfile = parse("dev-and-default.Pipfile.lock")
    assert set(lockfile.edges) == {(ROOT, p.key) for p in lockfile.packages}
    assert not any(p.direct for p in lockfile.packages)
    assert lockfile.notes[0].startswith("direct dependencies unknown")


def test_pipfile_beside_it_gives_direct_flags() -> None:
    lockfile = parse("pipenv-project/Pipfile.lock")
    assert {p.name for p in lockfile.packages if p.direct} == {"django", "acme-toolkit", "pytest"}
    assert lockfile.notes == ()


def test_invalid_json_names_file_and_line() -> None:
    with pytest.raises(LockfileError) as caught:
        parse("bad-json.Pipfile.lock")
    assert caught.value.line == 4
    assert "invalid json" in str(caught.value)


def test_wrong_shapes_are_errors(tmp_path: Path) -> None:
    with pytest.raises(LockfileError, match="not a json object"):
        PipfileLockParser().parse(tmp_path / "Pipfile.lock", "[]")
    with pytest.raises(LockfileError, match="entry 'six' is not an object"):
        PipfileLockParser().parse(tmp_path / "Pipfile.lock", '{"default": {"six": "1.16"}}')
