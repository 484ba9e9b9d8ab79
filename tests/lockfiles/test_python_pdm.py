"""pdm.lock: groups, per-extra repeats, sources, hashes, markers and PEP 508 dependencies."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.lockfiles import fixture_parser

from depshield.lockfiles.base import ROOT, LockedPackage, Lockfile, LockfileError
from depshield.lockfiles.pdm import PdmLockParser

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lockfiles" / "python"
parse = fixture_parser(PdmLockParser(), FIXTURES)


def by_name(lockfile: Lockfile) -> dict[str, LockedPackage]:
    return {p.name: p for p in lockfile.packages}


def test_wants_only_pdm_lock() -> None:
    assert PdmLockParser().wants(Path("pdm.lock"))
    assert not PdmLockParser().wants(Path("pdm.toml"))


def test_packages_lines_hashes_and_markers() -> None:
    lockfile = parse("groups.pdm.lock")
    assert lockfile.format == "pdm@4.5.0"
    packages = by_name(lockfile)
    # celery is repeated for its "redis" extra: one package, its first entry's line.
    assert [p.key for p in lockfile.packages].count("celery@5.4.0") == 1
    assert packages["celery"].line == 14
    assert len(packages["celery"].hashes) == 2
    assert packages["tzdata"].marker == 'sys_platform == "win32"'
    assert packages["kombu"].line == 53


def test_sources() -> None:
    packages = by_name(parse("groups.pdm.lock"))
    assert packages["acme-toolkit"].source == "git"
    assert packages["acme-toolkit"].resolved == (
        "git+https://git.example.invalid/acme/toolkit.git@4f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6"
    )
    assert (packages["orjson"].source, packages["orjson"].resolved) == (
        "http",
        "https://files.example.invalid/orjson-3.10.7.tar.gz",
    )
    assert (packages["vendored"].source, packages["vendored"].resolved) == (
        "file",
        "./vendor/vendored",
    )
    assert packages["kombu"].source == "registry"


def test_dependencies_become_edges_including_the_extra_entry() -> None:
    edges = set(parse("groups.pdm.lock").edges)
    assert {
        ("celery@5.4.0", "kombu@5.4.2"),
        ("celery@5.4.0", "redis@5.1.1"),
        ("celery@5.4.0", "tzdata@2024.2"),
        ("kombu@5.4.2", "vine@5.1.0"),
    } <= edges
    assert ("celery@5.4.0", "celery@5.4.0") not in edges


def test_without_pyproject_non_default_groups_count_as_dev() -> None:
    lockfile = parse("groups.pdm.lock")
    packages = by_name(lockfile)
    assert packages["pytest"].dev and packages["orjson"].dev
    assert not packages["celery"].dev
    assert not any(p.direct for p in lockfile.packages)
    assert (ROOT, "celery@5.4.0") in lockfile.edges
    assert lockfile.notes[0].startswith("direct dependencies unknown")


def test_pyproject_tells_extras_from_groups_and_gives_direct_flags() -> None:
    lockfile = parse("pdm-project/pdm.lock")
    packages = by_name(lockfile)
    assert packages["orjson"].optional and not packages["orjson"].dev
    assert packages["pytest"].dev and not packages["pytest"].optional
    assert {n for n, p in packages.items() if p.direct} == {
        "celery",
        "acme-toolkit",
        "vendored",
        "orjson",
        "pytest",
    }
    assert lockfile.notes == ()


def test_bad_toml_is_a_lockfile_error(tmp_path: Path) -> None:
    with pytest.raises(LockfileError) as caught:
        PdmLockParser().parse(tmp_path / "pdm.lock", '[metadata]\ngroups = ["default"\n')
    assert caught.value.line is not None
