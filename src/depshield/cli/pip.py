"""`depshield pip install ARGS...`: check what pip would install, then run pip."""

from __future__ import annotations

import argparse
from typing import Any

from depshield.cli.guard import add_guard_parser, run_guard


def add_parser(sub: Any) -> None:
    add_guard_parser(
        sub,
        "pip",
        "check what a pip install would bring in, then run pip",
        "pip install -r requirements.txt",
    )


def run(args: argparse.Namespace) -> int:
    return run_guard("pip", args)
