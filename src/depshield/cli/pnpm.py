"""`depshield pnpm add|install ARGS...`: check what pnpm would install, then run pnpm."""

from __future__ import annotations

import argparse
from typing import Any

from depshield.cli.guard import add_guard_parser, run_guard


def add_parser(sub: Any) -> None:
    add_guard_parser(
        sub,
        "pnpm",
        "check what pnpm add or install would bring in, then run pnpm",
        "pnpm add lodash",
    )


def run(args: argparse.Namespace) -> int:
    return run_guard("pnpm", args)
