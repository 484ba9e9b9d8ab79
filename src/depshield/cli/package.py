"""`depshield package SPEC`: analyse one package from the registry or from disk."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from depshield.cli.output import add_output_options, emit, exit_code, load_policy


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "package",
        help="analyse one package (registry spec, directory or archive)",
        description="Analyse one npm or PyPI package for the signs of a supply-chain attack.",
    )
    parser.add_argument(
        "spec", help="npm:NAME@VERSION, pypi:NAME==VERSION, a directory or an archive"
    )
    parser.add_argument("--ecosystem", choices=["npm", "pypi"], help="ecosystem of SPEC or PATH")
    parser.add_argument("--offline", action="store_true", help="no network at all")
    parser.add_argument(
        "--artifact",
        choices=["install", "default", "sdist", "wheel", "all"],
        default="install",
        help="PyPI: which artifact to analyse: the file pip would install on this machine (a "
        "wheel whose tags fit, else the sdist; the default, as `scan` does), the sdist else a "
        "wheel (default), the sdist, one wheel, or every file",
    )
    add_output_options(parser, ["text", "json", "sarif", "markdown", "html"])


def run(args: argparse.Namespace) -> int:
    from depshield.api import analyze_spec
    from depshield.policy import Policy
    from depshield.reports.base import Report

    if args.offline:
        os.environ["DEPSHIELD_OFFLINE"] = "1"  # belt and braces: no client may connect
    policy = load_policy(args, Path.cwd())
    assert isinstance(policy, Policy)
    results = analyze_spec(
        args.spec,
        ecosystem=args.ecosystem,
        offline=args.offline,
        artifact=args.artifact,
        policy=policy,
    )
    emit(args, Report(results, show_all=args.show_all))
    return exit_code(results, args.fail_on, policy.fail_on_vuln)
