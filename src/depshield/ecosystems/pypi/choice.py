"""Which of a release's files an installer on this machine would take: the wheel whose tags come
first in `packaging.tags.sys_tags()` (pip's and uv's order), else the sdist."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")

# Tiers of `install_rank`, best first.
THIS_MACHINE, OTHER_PYTHON, SDIST, OTHER_WHEEL, OTHER_FILE = range(5)
_SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar")
_OTHER_MINORS = range(6, 21)  # CPython 3.6 to 3.20: the versions a lock may carry wheels for


def install_rank(filename: str) -> tuple[int, int, str]:
    """Sort key, lower first: wheels this interpreter can install (in tag order); wheels for
    this platform and another CPython (a lock entry meant for that Python: its installer takes
    the wheel there); the sdist (built when no wheel fits); any other wheel; anything else."""
    lower = filename.lower()
    if lower.endswith(".whl"):
        tags = _wheel_tags(filename)
        here = _rank(tags, _machine_tags())
        if here is not None:
            return THIS_MACHINE, here, filename
        other = _rank(tags, _other_python_tags())
        if other is not None:
            return OTHER_PYTHON, other, filename
        return OTHER_WHEEL, 0, filename
    for order, suffix in enumerate(_SDIST_SUFFIXES):
        if lower.endswith(suffix):
            # A .tar.gz is what current tools upload; older formats only when it is missing.
            return SDIST, order, filename
    return OTHER_FILE, 0, filename


def pick_by(items: Sequence[T], name: Callable[[T], str]) -> T | None:
    """The item whose file name (`name(item)`) `install_rank` puts first."""
    return min(items, key=lambda item: install_rank(name(item)), default=None)


def _wheel_tags(filename: str) -> frozenset[Any]:
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    try:
        return parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return frozenset()


def _rank(tags: frozenset[Any], table: dict[Any, int]) -> int | None:
    ranks = [table[tag] for tag in tags if tag in table]
    return min(ranks) if ranks else None


@cache
def _machine_tags() -> dict[Any, int]:
    from packaging.tags import sys_tags

    return {tag: rank for rank, tag in enumerate(sys_tags())}


@cache
def _other_python_tags() -> dict[Any, int]:
    """Tags of this platform for the other CPython 3 versions, the nearest version first."""
    from packaging.tags import compatible_tags, cpython_tags, platform_tags

    platforms = list(platform_tags())
    here = sys.version_info.minor
    table: dict[Any, int] = {}
    for minor in sorted(_OTHER_MINORS, key=lambda m: (abs(m - here), -m)):
        if minor == here:
            continue
        version = (3, minor)
        for tag in (
            *cpython_tags(version, abis=[f"cp3{minor}"], platforms=platforms),
            *compatible_tags(version, platforms=platforms),
        ):
            table.setdefault(tag, len(table))
    return table
