"""`depshield worker`: see cli/monitor.py."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    from depshield.cli.monitor import add_worker_parser

    add_worker_parser(sub)


def run(args: argparse.Namespace) -> int:
    from depshield.cli.monitor import run_worker

    return run_worker(args)
