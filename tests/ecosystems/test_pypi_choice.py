"""The file an installer on this machine takes from a release: pip's tag order, then the sdist."""

from __future__ import annotations

import sys

from packaging.tags import sys_tags

from depshield.ecosystems.pypi.choice import (
    OTHER_FILE,
    OTHER_PYTHON,
    OTHER_WHEEL,
    SDIST,
    THIS_MACHINE,
    install_rank,
    pick_by,
)

TAGS = list(sys_tags())
BEST = f"x-1.0-{TAGS[0]}.whl"
NEXT_MINOR = sys.version_info.minor + 1
PLATFORM = TAGS[0].platform


def pick(*names: str) -> str | None:
    return pick_by(list(names), lambda name: name)


def test_the_most_specific_wheel_for_this_interpreter_wins() -> None:
    # pip and uv take the wheel whose tag comes first in sys_tags(), even over a pure wheel.
    assert pick("x-1.0.tar.gz", "x-1.0-py3-none-any.whl", BEST) == BEST
    assert install_rank(BEST)[:2] == (THIS_MACHINE, 0)


def test_a_pure_wheel_beats_the_sdist() -> None:
    assert pick("x-1.0.tar.gz", "x-1.0-py2.py3-none-any.whl") == "x-1.0-py2.py3-none-any.whl"


def test_wheels_for_other_systems_leave_the_sdist() -> None:
    assert pick("x-1.0-cp311-cp311-win_amd64.whl", "x-1.0.tar.gz") == "x-1.0.tar.gz"
    assert install_rank("x-1.0-cp311-cp311-win_amd64.whl")[0] == OTHER_WHEEL


def test_a_lock_entry_for_another_python_takes_that_pythons_wheel_here() -> None:
    # uv locks one entry per Python range; the entry for a newer Python is installed from its
    # wheel there, never built from the sdist.
    other = f"x-1.0-cp3{NEXT_MINOR}-cp3{NEXT_MINOR}-{PLATFORM}.whl"
    assert install_rank(other)[0] == OTHER_PYTHON
    assert pick("x-1.0.tar.gz", other) == other


def test_sdist_formats_and_other_files() -> None:
    assert pick("x-1.0.zip", "x-1.0.tar.gz") == "x-1.0.tar.gz"
    assert install_rank("x-1.0.tar.gz")[0] == SDIST
    assert install_rank("x-1.0.exe")[0] == OTHER_FILE
    assert install_rank("not-a-valid-wheel.whl")[0] == OTHER_WHEEL
    assert pick() is None
