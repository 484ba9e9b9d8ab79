"""pyproject.toml alone: PEP 621, PEP 735 and Poetry requirements, unresolved specifiers."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.lockfiles import fixture_parser

from depshield.lockfiles.base import ROOT, LockedPackage, Lockfile, LockfileError
from depshield.lockfiles.pyproject import UNRESOLVED, PyprojectParser, declared_requirements

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lockfiles" / "python"
parse = fixture_parser(PyprojectParser(), FIXTURES)


def by_name(lockfile: Lockfile) -> dict[str, LockedPackage]:
    """The first entry of each name."""
    return {p.name: p for p in reversed(lockfile.packages)}


def test_wants_pyproject_toml() -> None:
    assert PyprojectParser().wants(Path("sub/pyproject.toml"))
    assert not PyprojectParser().wants(Path("pylock.toml"))


def test_pep621_and_dependency_groups() -> None:
    lockfile = parse("pyproject-pep621/pyproject.toml")
    assert (lockfile.format, lockfile.notes) == ("pyproject", (UNRESOLVED,))
    packages = by_name(lockfile)
    assert (packages["django"].version, packages["django"].line) == ("<5,>=4.2", 9)
    assert (packages["requests"].version, packages["requests"].line) == ("==2.32.3", 10)
    assert packages["colorama"].marker == 'sys_platform == "win32"'
    assert packages["colorama"].version == ""
    toolkit = packages["acme-toolkit"]
    assert (toolkit.source, toolkit.line) == ("git", 12)
    assert toolkit.resolved == "git+https://git.example.invalid/acme/toolkit.git@v1.2"
    assert (packages["orjson"].optional, packages["orjson"].line) == (True, 16)
    assert (packages["pytest"].dev, packages["pytest"].line) == (True, 19)
    assert packages["coverage"].dev
    assert all(p.direct for p in lockfile.packages)
    assert set(lockfile.edges) == {(ROOT, p.key) for p in lockfile.packages}


def test_same_requirement_in_main_and_dev_is_main() -> None:
    lockfile = parse("pyproject-pep621/pyproject.toml")
    django = [p for p in lockfile.packages if p.name == "django"]
    assert len(django) == 1 and not django[0].dev
    # A different specifier in an extra is a second entry, optional.
    requests = sorted((p.version, p.optional) for p in lockfile.packages if p.name == "requests")
    assert requests == [("==2.32.3", False), (">=2", True)]


def test_poetry_tables() -> None:
    packages = by_name(parse("pyproject-poetry/pyproject.toml"))
    assert "python" not in packages
    assert (packages["django"].version, packages["django"].line) == ("^4.2", 9)
    assert packages["celery"].version == "^5.4"
    assert packages["orjson"].optional
    assert (packages["acme-toolkit"].source, packages["acme-toolkit"].resolved) == (
        "git",
        "git+https://git.example.invalid/acme/toolkit.git",
    )
    assert packages["numpy"].version == "<2 || >=2"
    assert (packages["vendored"].source, packages["vendored"].line) == ("file", 18)
    assert (packages["pytest"].dev, packages["pytest"].version, packages["pytest"].line) == (
        True,
        "",
        23,
    )


def test_declared_requirements_kinds_and_groups() -> None:
    text = (FIXTURES / "pyproject-pep621" / "pyproject.toml").read_text()
    declared = declared_requirements(text)
    assert [(d.name, d.kind, d.group) for d in declared if d.kind != "main"] == [
        ("orjson", "optional", "fast"),
        ("requests", "optional", "fast"),
        ("pytest", "dev", "dev"),
        ("django", "dev", "dev"),
        ("coverage", "dev", "test"),
    ]


def test_bad_requirement_names_line_with_tip() -> None:
    with pytest.raises(LockfileError) as caught:
        parse("pyproject-bad/pyproject.toml")
    assert caught.value.line == 6
    assert "invalid requirement 'django>>4'" in str(caught.value)
    assert caught.value.tip and "PEP 508" in caught.value.tip


def test_invalid_toml_is_an_error() -> None:
    with pytest.raises(LockfileError) as caught:
        declared_requirements("[project\n", Path("x/pyproject.toml"))
    assert (caught.value.path, caught.value.line) == ("x/pyproject.toml", 1)
