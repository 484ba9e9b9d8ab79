"""`depshield uv pip install ARGS...`: check what uv would install, then run uv."""

from __future__ import annotations

import argparse
from typing import Any

from depshield.cli.guard import add_guard_parser, run_guard


def add_parser(sub: Any) -> None:
    add_guard_parser(
        sub,
        "uv",
        "check what uv pip install would bring in, then run uv",
        "uv pip install requests",
    )


def run(args: argparse.Namespace) -> int:
    return run_guard("uv", args)
