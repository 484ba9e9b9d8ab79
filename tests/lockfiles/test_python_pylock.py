"""pylock.toml (PEP 751): index, VCS, directory and archive packages, hashes, dependencies."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.lockfiles import fixture_parser

from depshield.lockfiles.base import ROOT, LockedPackage, Lockfile, LockfileError
from depshield.lockfiles.pylock import PylockParser

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lockfiles" / "python"
parse = fixture_parser(PylockParser(), FIXTURES)


def by_name(lockfile: Lockfile) -> dict[str, LockedPackage]:
    return {p.name: p for p in lockfile.packages}


def test_wants_pep_751_names() -> None:
    assert PylockParser().wants(Path("pylock.toml"))
    assert PylockParser().wants(Path("pylock.dev.toml"))
    assert not PylockParser().wants(Path("pyproject.toml"))


def test_packages_lines_and_hashes() -> None:
    lockfile = parse("sources.pylock.toml")
    assert lockfile.format == "pylock@1.0"
    packages = by_name(lockfile)
    assert [p.line for p in lockfile.packages] == [6, 15, 25, 30, 34]
    assert packages["attrs"].hashes == (
        "sha256:5cfb1b9148b5b086569baec03f20d7b6bf3bcacc9a42bebf87ffaaca362f6346",
        "sha256:81921eb96de3191c8258c199618104dd27ac608d9366f5e35d011eae1867ede2",
    )
    assert packages["cattrs"].hashes == (
        "sha256:67c7495b760168d931a10233f979b28dc04daf853b30752246f4f8471c6d68d0",
        "blake2b:00ff",
    )
    assert packages["cattrs"].marker == "python_version >= '3.11'"


def test_sources() -> None:
    packages = by_name(parse("sources.pylock.toml"))
    assert (packages["attrs"].source, packages["attrs"].resolved) == ("registry", None)
    assert (packages["acme-toolkit"].source, packages["acme-toolkit"].resolved) == (
        "git",
        "git+https://git.example.invalid/acme/toolkit.git@4f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6",
    )
    assert (packages["vendored"].version, packages["vendored"].source) == ("", "file")
    assert packages["vendored"].resolved == "vendor/vendored"
    assert (packages["tarball"].source, packages["tarball"].hashes) == (
        "http",
        ("sha256:" + "1" * 64,),
    )


def test_dependencies_become_edges() -> None:
    lockfile = parse("sources.pylock.toml")
    assert ("cattrs@24.1.2", "attrs@24.2.0") in lockfile.edges
    assert (ROOT, "attrs@24.2.0") not in lockfile.edges  # cattrs brings it
    assert (ROOT, "cattrs@24.1.2") in lockfile.edges


def test_pyproject_beside_it_gives_direct_flags() -> None:
    lockfile = parse("pylock-project/pylock.toml")
    assert {p.name for p in lockfile.packages if p.direct} == {"cattrs", "acme-toolkit"}


def test_unsupported_lock_version_is_an_error() -> None:
    with pytest.raises(LockfileError) as caught:
        parse("unsupported-version.pylock.toml")
    assert "unsupported lock-version '2.0'" in str(caught.value)
    assert caught.value.tip


def test_package_with_two_sources_is_an_error_at_its_line() -> None:
    with pytest.raises(LockfileError) as caught:
        parse("two-sources.pylock.toml")
    assert caught.value.line == 10
    assert "'idna'" in str(caught.value)


def test_the_project_itself_is_not_a_dependency(tmp_path: Path) -> None:
    # uv export writes the project as `directory = {path = "."}` with no version; uv.lock and
    # requirements files leave the project out, and so does this parser.
    path = tmp_path / "pylock.toml"
    path.write_text(
        'lock-version = "1.0"\ncreated-by = "uv"\n\n'
        '[[packages]]\nname = "app"\ndirectory = { path = ".", editable = true }\n\n'
        '[[packages]]\nname = "six"\nversion = "1.17.0"\nindex = "https://pkgs.example.invalid/simple"\n'
        '[[packages.wheels]]\nurl = "https://pkgs.example.invalid/six-1.17.0-py2.py3-none-any.whl"\n'
        'hashes = { sha256 = "' + "0" * 64 + '" }\n'
    )
    lockfile = PylockParser().parse(path, path.read_text())
    assert [p.name for p in lockfile.packages] == ["six"]
