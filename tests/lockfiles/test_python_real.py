"""Real lockfiles made by uv, Poetry, pdm, pipenv and pip-tools for one application.

bench/make_real_python_locks.sh made them and recorded each tool's own listing of what it
locked (`*.expected.txt`); the parsers must find exactly that set of name==version.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from depshield.lockfiles.base import LockfileParser
from depshield.lockfiles.graph import introduced_by
from depshield.lockfiles.pdm import PdmLockParser
from depshield.lockfiles.pipfile import PipfileLockParser
from depshield.lockfiles.poetry import PoetryLockParser
from depshield.lockfiles.pylock import PylockParser
from depshield.lockfiles.requirements import RequirementsParser
from depshield.lockfiles.uv import UvLockParser

REAL = Path(__file__).parent.parent / "fixtures" / "lockfiles" / "python" / "real"
CASES: list[tuple[str, str, LockfileParser]] = [
    ("app.uv.lock", "app.uv.expected.txt", UvLockParser()),
    ("app.pylock.toml", "app.pylock.expected.txt", PylockParser()),
    ("app.poetry.lock", "app.poetry.expected.txt", PoetryLockParser()),
    ("app.pdm.lock", "app.pdm.expected.txt", PdmLockParser()),
    ("app.Pipfile.lock", "app.Pipfile.expected.txt", PipfileLockParser()),
    ("app.requirements.txt", "app.requirements.expected.txt", RequirementsParser()),
]


@pytest.mark.parametrize(("lock", "expected", "parser"), CASES, ids=[c[0] for c in CASES])
def test_parser_finds_exactly_what_the_tool_locked(
    lock: str, expected: str, parser: LockfileParser
) -> None:
    lockfile = parser.parse(REAL / lock, (REAL / lock).read_text())
    wanted = set((REAL / expected).read_text().split())
    assert len(wanted) >= 130
    assert {f"{p.name}=={p.version}" for p in lockfile.packages} == wanted
    # Every package has its line, a hash, and a path from the project.
    assert all(p.line > 0 for p in lockfile.packages)
    assert all(p.hashes for p in lockfile.packages)
    assert all(h.startswith("sha256:") for p in lockfile.packages for h in p.hashes)
    assert set(introduced_by(lockfile)) == {p.key for p in lockfile.packages}


@pytest.mark.parametrize(
    ("lock", "parser"),
    [
        ("app.uv.lock", UvLockParser()),
        ("app.poetry.lock", PoetryLockParser()),
        ("app.pdm.lock", PdmLockParser()),
        ("app.requirements.txt", RequirementsParser()),
    ],
)
def test_recorded_dependencies_give_real_paths(lock: str, parser: LockfileParser) -> None:
    lockfile = parser.parse(REAL / lock, (REAL / lock).read_text())
    paths = introduced_by(lockfile)
    vine = next(p.key for p in lockfile.packages if p.name == "vine")
    # vine comes with celery through kombu (or straight from celery).
    assert paths[vine].startswith("celery > ")
    assert paths[vine].endswith(" > vine")


def test_uv_flags_dev_and_optional_packages() -> None:
    lockfile = UvLockParser().parse(REAL / "app.uv.lock", (REAL / "app.uv.lock").read_text())
    flags = {p.name: (p.direct, p.dev, p.optional) for p in lockfile.packages}
    assert flags["django"] == (True, False, False)
    assert flags["pytest"] == (True, True, False)
    assert flags["matplotlib"] == (True, False, True)
    assert flags["kombu"] == (False, False, False)
