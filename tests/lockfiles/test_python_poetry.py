"""poetry.lock: groups, extras, sources, both hash layouts, dependencies and direct flags."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.lockfiles import fixture_parser

from depshield.lockfiles.base import ROOT, LockedPackage, Lockfile, LockfileError
from depshield.lockfiles.graph import introduced_by
from depshield.lockfiles.poetry import PoetryLockParser

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lockfiles" / "python"
parse = fixture_parser(PoetryLockParser(), FIXTURES)


def by_name(lockfile: Lockfile) -> dict[str, LockedPackage]:
    return {p.name: p for p in lockfile.packages}


def test_wants_only_poetry_lock() -> None:
    assert PoetryLockParser().wants(Path("poetry.lock"))
    assert not PoetryLockParser().wants(Path("uv.lock"))


def test_names_versions_lines_and_file_hashes() -> None:
    lockfile = parse("extras.poetry.lock")
    assert lockfile.format == "poetry@2.1"
    packages = by_name(lockfile)
    assert sorted(p.key for p in lockfile.packages) == [
        "celery@5.4.0",
        "kombu@5.4.2",
        "pytest@8.3.3",
        "redis@5.1.1",
        "vine@5.1.0",
    ]
    assert [p.line for p in lockfile.packages] == [4, 23, 37, 49, 61]
    assert packages["celery"].hashes == (
        "sha256:369631eb580cf8c51a82721ec538684994f8277637edde2dfc0dacd73ed97f64",
        "sha256:504a19140e8d3029d5acad88330c541d4c3f64c789d85f94756762d8bca7e706",
    )
    assert all(p.source == "registry" and p.resolved is None for p in lockfile.packages)


def test_groups_optional_and_markers() -> None:
    packages = by_name(parse("extras.poetry.lock"))
    assert packages["pytest"].dev and not packages["celery"].dev
    assert not packages["vine"].dev  # in "main" and "dev"
    assert packages["redis"].optional and not packages["celery"].optional
    assert packages["redis"].marker == 'extra == "redis"'
    assert packages["pytest"].marker == 'python_version >= "3.8"'  # the per-group table


def test_dependencies_become_edges_and_tops_hang_from_root() -> None:
    lockfile = parse("extras.poetry.lock")
    edges = set(lockfile.edges)
    assert {
        ("celery@5.4.0", "kombu@5.4.2"),
        ("celery@5.4.0", "redis@5.1.1"),
        ("kombu@5.4.2", "vine@5.1.0"),
    } <= edges
    # No pyproject.toml beside it: what nothing depends on is a root, and the note says why.
    assert {c for p, c in edges if p == ROOT} == {"celery@5.4.0", "pytest@8.3.3"}
    assert not any(p.direct for p in lockfile.packages)
    assert lockfile.notes and lockfile.notes[0].startswith("direct dependencies unknown")
    assert introduced_by(lockfile)["vine@5.1.0"] == "celery > kombu > vine"


def test_pyproject_beside_it_gives_the_direct_dependencies() -> None:
    lockfile = parse("poetry-project/poetry.lock")
    packages = by_name(lockfile)
    assert packages["celery"].direct and packages["pytest"].direct
    assert not packages["kombu"].direct
    assert lockfile.notes == ()


def test_git_url_directory_and_private_index_sources() -> None:
    packages = by_name(parse("sources.poetry.lock"))
    toolkit = packages["acme-toolkit"]
    assert toolkit.source == "git"
    assert toolkit.resolved == (
        "git+https://git.example.invalid/acme/toolkit.git@4f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6"
    )
    assert (packages["tarball"].source, packages["tarball"].resolved) == (
        "http",
        "https://files.example.invalid/tarball-0.3.0.tar.gz",
    )
    assert (packages["vendored"].source, packages["vendored"].resolved) == (
        "file",
        "vendor/vendored",
    )
    assert (packages["private-lib"].source, packages["private-lib"].resolved) == ("registry", None)


def test_lock_format_1_1_category_and_metadata_files() -> None:
    lockfile = parse("v1-metadata-files.poetry.lock")
    assert lockfile.format == "poetry@1.1"
    packages = by_name(lockfile)
    assert packages["black"].dev and not packages["flask"].dev
    assert len(packages["click"].hashes) == 2
    assert packages["flask"].hashes == (
        "sha256:59da8a3170004800a2837844bfa84d49b022550616070f7cb1a659682b2e7c9f",
    )
    assert ("flask@2.0.3", "click@8.0.4") in lockfile.edges


def test_invalid_toml_is_an_error_with_the_line() -> None:
    with pytest.raises(LockfileError) as caught:
        parse("invalid.poetry.lock")
    assert caught.value.line == 6
    assert caught.value.path.endswith("invalid.poetry.lock")


def test_entry_without_version_names_its_line() -> None:
    with pytest.raises(LockfileError) as caught:
        parse("missing-version.poetry.lock")
    assert caught.value.line == 6
    assert "'version'" in str(caught.value)
