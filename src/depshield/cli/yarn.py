"""`depshield yarn [add|install] ARGS...`: check what yarn would install, then run yarn."""

from __future__ import annotations

import argparse
from typing import Any

from depshield.cli.guard import add_guard_parser, run_guard


def add_parser(sub: Any) -> None:
    add_guard_parser(
        sub,
        "yarn",
        "check what yarn add or install would bring in, then run yarn",
        "yarn add lodash",
    )


def run(args: argparse.Namespace) -> int:
    return run_guard("yarn", args)
