"""requirements.txt edge cases (issues 16, 17): pip's line joining, linear-time comments."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from depshield.lockfiles.requirements import RequirementsParser
from depshield.lockfiles.requirements_line import logical_lines

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lockfiles" / "python"

# A hang (the old regex backtracked quadratically: minutes) exceeds this; a linear parse is instant.
HANG_TIMEOUT = 60


def test_two_trailing_backslashes_continue_the_line_like_pip() -> None:
    path = FIXTURES / "double-backslash-continuation.requirements.txt"
    lockfile = RequirementsParser().parse(path, path.read_text())
    found = {package.name: package for package in lockfile.packages}
    assert set(found) == {"requests", "six"}
    assert found["requests"].version == "2.31.0"
    assert found["six"].version == "1.16.0"


def test_comment_split_matches_pip_comment_rule() -> None:
    lines = list(logical_lines("foo==1.0  # pinned\nbar#baz==2\n# whole line\n"))
    assert [(line.number, line.text, line.comment) for line in lines] == [
        (1, "foo==1.0", "# pinned"),
        (2, "bar#baz==2", ""),
        (3, "", "# whole line"),
    ]


def test_one_very_long_line_parses_in_bounded_time(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("six==1.16.0" + " " * 2_000_000 + "x\n")
    code = (
        "import sys, pathlib\n"
        "from depshield.lockfiles.requirements_line import logical_lines\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "print(len(list(logical_lines(p.read_text()))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=HANG_TIMEOUT,
        check=True,
    )
    assert done.stdout.strip() == "1"
