"""Shared plumbing of the install-guard commands (`depshield npm`, `pip`, `yarn`...): the guard's
own options come before the wrapped command's words, which are passed on untouched."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

EPILOG = """The guard's own options go before the command's words; everything from the first
word on belongs to the package manager (start with -- when its first argument is an option).
exit codes: the package manager's own; 1 stopped by the policy (or warnings not confirmed);
3 the registry could not be reached; 127 the package manager is not installed."""


def add_guard_parser(sub: Any, name: str, summary: str, example: str) -> None:
    parser = sub.add_parser(
        name,
        help=summary,
        description=f"{summary}. Example: depshield {example}",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--yes", action="store_true", help="proceed on warnings without asking")
    parser.add_argument(
        "--dry-run", action="store_true", help="check and report only; never run the command"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="run the command whatever was found (blocks, failed resolution, registry down)",
    )
    parser.add_argument("--config", metavar="FILE", help="depshield.toml or pyproject.toml")
    parser.add_argument(
        "--exe", metavar="PROGRAM", help=f"run PROGRAM instead of {name} (pip3, a venv's pip)"
    )
    parser.add_argument("--jobs", type=int, default=0, help="analysis processes (default: cores)")
    parser.add_argument("words", nargs=argparse.REMAINDER, help=f"the {name} command line")


def run_guard(tool: str, args: argparse.Namespace) -> int:
    from depshield.cli.output import load_policy
    from depshield.config import find_config
    from depshield.guard.base import Wrapped
    from depshield.guard.process import hand_over
    from depshield.guard.run import guard
    from depshield.guard.settings import GuardOptions, allow_warn_setting, interactive
    from depshield.policy import Policy

    words = list(args.words)
    if words[:1] == ["--"]:
        words = words[1:]
    cwd = Path.cwd()
    wrapped = Wrapped(tool, (args.exe or tool, *words), cwd)
    policy = load_policy(args, cwd)
    assert isinstance(policy, Policy)
    config = Path(args.config) if args.config else find_config(cwd)
    options = GuardOptions(
        yes=args.yes,
        dry_run=args.dry_run,
        force=args.force,
        allow_warn=allow_warn_setting(config),
        jobs=args.jobs,
    )
    code = guard(wrapped, options, policy, can_ask=interactive())
    if code is not None:
        return code
    hand_over(wrapped)  # replaces this process; returns only in tests that stub it
    return 0
