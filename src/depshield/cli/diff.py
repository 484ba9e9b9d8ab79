"""`depshield diff OLD NEW`: what changed between two versions of a package."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from depshield.cli.output import add_output_options, exit_code, load_policy
from depshield.reports.formats import formats


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "diff",
        help="compare two versions of a package",
        description="Show what a new version adds: alerts, capabilities, files, dependencies. "
        "A minor or patch release that gains a risky capability raises newCapabilityInPatch.",
    )
    parser.add_argument(
        "old",
        help="the version you have: npm:NAME@VERSION, pypi:NAME==VERSION, "
        "a directory or an archive",
    )
    parser.add_argument("new", help="the version to compare it with")
    parser.add_argument("--ecosystem", choices=["npm", "pypi"], help="ecosystem of the specs")
    parser.add_argument("--offline", action="store_true", help="no network at all")
    add_output_options(parser, formats("diff"))


def run(args: argparse.Namespace) -> int:
    from depshield.diff import diff_packages, load_side
    from depshield.errors import UsageError
    from depshield.policy import Policy
    from depshield.reports.formats import render_function

    if args.offline:
        os.environ["DEPSHIELD_OFFLINE"] = "1"  # belt and braces: no client may connect
    policy = load_policy(args, Path.cwd())
    assert isinstance(policy, Policy)
    old = load_side(args.old, ecosystem=args.ecosystem, offline=args.offline, policy=policy)
    new = load_side(args.new, ecosystem=args.ecosystem, offline=args.offline, policy=policy)
    if old.examined.ecosystem != new.examined.ecosystem:
        raise UsageError(
            f"{args.old!r} is {old.examined.ecosystem} but {args.new!r} is "
            f"{new.examined.ecosystem}",
            tip="compare two versions of the same package",
        )
    diff = diff_packages(old, new, policy=policy)
    to_file = args.output is not None
    color = not to_file and sys.stdout.isatty() and args.format == "text"
    text = render_function("diff", args.format)(diff, color=color, show_all=args.show_all)
    if to_file:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output!r}: {exc.strerror}") from None
    else:
        sys.stdout.write(text)
    return exit_code([diff.new], args.fail_on, policy.fail_on_vuln)
