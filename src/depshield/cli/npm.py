"""`depshield npm install|ci|update|exec ARGS...`: check what npm would install, then run npm."""

from __future__ import annotations

import argparse
from typing import Any

from depshield.cli.guard import add_guard_parser, run_guard


def add_parser(sub: Any) -> None:
    add_guard_parser(
        sub, "npm", "check what an npm install would bring in, then run npm", "npm install lodash"
    )


def run(args: argparse.Namespace) -> int:
    return run_guard("npm", args)
