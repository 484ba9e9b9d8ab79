"""`depshield npx PKG ARGS...`: check the package npx would fetch, then run npx."""

from __future__ import annotations

import argparse
from typing import Any

from depshield.cli.guard import add_guard_parser, run_guard


def add_parser(sub: Any) -> None:
    add_guard_parser(
        sub, "npx", "check the package npx would fetch and run, then run npx", "npx cowsay hi"
    )


def run(args: argparse.Namespace) -> int:
    return run_guard("npx", args)
