"""uv.lock: sources, hashes, the project's roots, dev and optional reach, versions on edges."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.lockfiles import by_key, fixture_parser

from depshield.lockfiles.base import ROOT, LockfileError
from depshield.lockfiles.uv import UvLockParser

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lockfiles" / "python"
parse = fixture_parser(UvLockParser(), FIXTURES)


def test_wants_only_uv_lock() -> None:
    assert UvLockParser().wants(Path("uv.lock"))
    assert not UvLockParser().wants(Path("poetry.lock"))


def test_packages_sources_and_lines() -> None:
    lockfile = parse("git-source.uv.lock")
    assert lockfile.format == "uv@1"
    packages = by_key(lockfile)
    # The virtual project and the editable workspace member are not packages to fetch.
    assert sorted(packages) == [
        "acme-toolkit@1.2.0",
        "local-wheel@0.5.0",
        "numpy@2.0.2",
        "numpy@2.1.2",
        "orjson@3.10.7",
        "pytest@8.3.3",
        "tarball@0.3.0",
        "vendored@0.1.0",
    ]
    toolkit = packages["acme-toolkit@1.2.0"]
    assert (toolkit.source, toolkit.line) == ("git", 10)
    assert toolkit.resolved == (
        "git+https://git.example.invalid/acme/toolkit.git?rev=v1.2"
        "#4f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6"
    )
    assert packages["tarball@0.3.0"].source == "http"
    assert (
        packages["tarball@0.3.0"].resolved == "https://files.example.invalid/tarball-0.3.0.tar.gz"
    )
    assert (packages["local-wheel@0.5.0"].source, packages["local-wheel@0.5.0"].resolved) == (
        "file",
        "wheels/local_wheel-0.5.0-py3-none-any.whl",
    )
    assert (packages["vendored@0.1.0"].source, packages["vendored@0.1.0"].line) == ("file", 104)
    assert (packages["numpy@2.0.2"].source, packages["numpy@2.0.2"].resolved) == ("registry", None)
    assert packages["numpy@2.0.2"].line == 51


def test_sdist_and_wheel_hashes_as_recorded() -> None:
    packages = by_key(parse("git-source.uv.lock"))
    assert packages["numpy@2.1.2"].hashes == (
        "sha256:13532a088217fa624c99b843eeb54640de23b3414b14aa66d023805eb731066c",
        "sha256:b42a1a511c81cc78cbc4539675713bbcf9d9c3913386243ceff0e9429ca892fe",
        "sha256:e2f8ba9f0a5cd4a5b0f0f0b8d6f9c9e0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6",
    )
    assert packages["tarball@0.3.0"].hashes == ("sha256:" + "1" * 64,)
    assert packages["vendored@0.1.0"].hashes == ()


def test_edges_follow_the_recorded_versions() -> None:
    edges = set(parse("git-source.uv.lock").edges)
    assert ("acme-toolkit@1.2.0", "numpy@2.1.2") in edges
    assert ("acme-toolkit@1.2.0", "numpy@2.0.2") in edges
    assert {
        (ROOT, "acme-toolkit@1.2.0"),
        (ROOT, "tarball@0.3.0"),
        (ROOT, "vendored@0.1.0"),
        (ROOT, "orjson@3.10.7"),
        (ROOT, "pytest@8.3.3"),
    } <= edges
    # The workspace member's own dependency is one of the project's.
    assert (ROOT, "local-wheel@0.5.0") in edges
    assert not any(child.startswith(("app@", "plugin@")) for _, child in edges)


def test_direct_dev_and_optional_flags_from_the_project_entry() -> None:
    packages = by_key(parse("git-source.uv.lock"))
    assert packages["acme-toolkit@1.2.0"].direct
    assert not packages["numpy@2.1.2"].direct
    assert packages["pytest@8.3.3"].dev and not packages["pytest@8.3.3"].optional
    assert packages["orjson@3.10.7"].optional and not packages["orjson@3.10.7"].dev
    assert not packages["numpy@2.1.2"].dev and not packages["numpy@2.1.2"].optional


def test_invalid_toml_names_file_and_line() -> None:
    with pytest.raises(LockfileError) as caught:
        parse("bad-toml.uv.lock")
    assert caught.value.path.endswith("bad-toml.uv.lock")
    assert caught.value.line == 6
    assert "invalid toml" in str(caught.value)


def test_entry_without_name_names_its_line(tmp_path: Path) -> None:
    text = 'version = 1\n\n[[package]]\nname = "six"\nversion = "1"\n\n[[package]]\nversion = "2"\n'
    with pytest.raises(LockfileError) as caught:
        UvLockParser().parse(tmp_path / "uv.lock", text)
    assert caught.value.line == 7
    assert "'name'" in str(caught.value)


def test_package_table_of_the_wrong_type_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LockfileError, match="'package' is not an array of tables"):
        UvLockParser().parse(tmp_path / "uv.lock", "version = 1\npackage = 3\n")
