"""`depshield alerts`: list the alert catalog (docs/alerts.md is this command's markdown)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("alerts", help="list every alert type with its default policy")
    parser.add_argument("--format", choices=["text", "markdown"], default="text")


def run(args: argparse.Namespace) -> int:
    from depshield.alerts.docs import catalog_markdown, catalog_text

    sys.stdout.write(catalog_markdown() if args.format == "markdown" else catalog_text())
    return 0
