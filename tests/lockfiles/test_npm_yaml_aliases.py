"""pnpm and yarn berry lockfiles built on repeated YAML aliases (billion laughs) are refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from depshield.lockfiles.base import LockfileError
from depshield.lockfiles.npm_common import load_yaml

# A walk over the expanded document took minutes (issue 17); a refusal is instant.
HANG_TIMEOUT = 60


def alias_bomb(levels: int = 9, width: int = 10) -> str:
    """Each level is a list of `width` aliases of the level below: width ** levels leaves."""
    lines = ["l0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


PARSE = (
    "import sys, pathlib\n"
    "from depshield.lockfiles.{module} import {parser}\n"
    "from depshield.lockfiles.base import LockfileError\n"
    "p = pathlib.Path(sys.argv[1])\n"
    "try:\n"
    "    {parser}().parse(p, p.read_text())\n"
    "except LockfileError as exc:\n"
    "    print(exc)\n"
)


@pytest.mark.parametrize(
    ("name", "module", "parser", "head"),
    [
        ("pnpm-lock.yaml", "pnpm", "PnpmLockParser", "lockfileVersion: '9.0'\n"),
        ("yarn.lock", "yarn", "YarnLockParser", "__metadata:\n  version: 8\n  cacheKey: 10\n"),
    ],
)
def test_alias_bomb_lockfile_is_refused(
    tmp_path: Path, name: str, module: str, parser: str, head: str
) -> None:
    path = tmp_path / name
    path.write_text(head + alias_bomb())
    code = PARSE.format(module=module, parser=parser)
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=HANG_TIMEOUT,
        check=True,
    )
    assert f"cannot parse {path}: refused: YAML aliases expand it past" in done.stdout


def test_self_referring_alias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pnpm-lock.yaml"
    with pytest.raises(LockfileError, match="refer to themselves"):
        load_yaml(path, "lockfileVersion: '9.0'\nloop: &loop [*loop]\n")


def test_a_few_aliases_are_allowed(tmp_path: Path) -> None:
    path = tmp_path / "pnpm-lock.yaml"
    data = load_yaml(path, "lockfileVersion: '9.0'\nbase: &b {a: 1}\nother: *b\n")
    assert data["other"] == {"a": 1}
