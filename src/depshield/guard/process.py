"""Running package managers: finding them, capturing a resolution run, handing over to them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from depshield.guard.base import ToolMissing, Wrapped

# What npm, pnpm, yarn, pip and uv print when the registry cannot be reached at all.
_DOWN = re.compile(
    r"ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ENETUNREACH"
    r"|Failed to establish a new connection|Connection refused|Max retries exceeded"
    r"|NewConnectionError|Temporary failure in name resolution|Network is unreachable"
    r"|error sending request|tcp connect error|dns error",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str

    @property
    def registry_down(self) -> bool:
        return bool(_DOWN.search(self.stderr) or _DOWN.search(self.stdout))


def find_tool(name: str) -> str:
    """The executable the shell would run for `name`; ToolMissing names it when there is none."""
    found = shutil.which(name)
    if found is None:
        raise ToolMissing(
            f"{name!r} is not installed or not on PATH",
            tip=f"install {Path(name).name} first; depshield only checks what it would install",
        )
    return found


def capture(argv: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Completed:
    """Run a resolution step with no terminal input, keeping its output for the user."""
    done = subprocess.run(
        list(argv),
        cwd=cwd,
        env=env if env is not None else dict(os.environ),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    return Completed(done.returncode, done.stdout, done.stderr)


def hand_over(wrapped: Wrapped) -> None:
    """Replace this process with the real command: same argv, environment, stdio and cwd."""
    program = find_tool(wrapped.argv[0])
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(wrapped.cwd)
    os.execv(program, list(wrapped.argv))
