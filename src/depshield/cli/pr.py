"""`depshield pr`: what a change to a project's dependencies brings in (two git refs, two
lockfiles or two directories), and the same inside GitHub Actions."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from depshield.cli.output import FAIL_LEVELS, add_output_options, load_policy
from depshield.reports.formats import formats

if TYPE_CHECKING:
    from depshield.pr.project import PrOutcome


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "pr",
        help="review a dependency change: what two git refs, lockfiles or folders differ by",
        description="Compare the dependencies of two states of a project and analyse only what "
        "the change brings in: added packages, new versions (with the version diff), local "
        "packages from the head tree. Either --base/--head in a git repository, or OLD NEW.",
    )
    parser.add_argument("paths", nargs="*", help="PATH (with --base), or OLD NEW lockfiles/dirs")
    parser.add_argument("--base", metavar="REF", help="the git ref the pull request targets")
    parser.add_argument("--head", metavar="REF", help="the git ref with the change (default HEAD)")
    parser.add_argument("--offline", action="store_true", help="no network: cached artifacts only")
    parser.add_argument("--jobs", type=int, default=0, help="analysis processes (default: cores)")
    parser.add_argument(
        "--github-actions",
        action="store_true",
        help="read the pull request from GITHUB_EVENT_PATH, write the step summary, the "
        "comment and SARIF (default when GITHUB_ACTIONS=true and no refs are given)",
    )
    parser.add_argument("--sarif", metavar="FILE", help="also write SARIF to FILE")
    parser.add_argument(
        "--no-comment", action="store_true", help="in GitHub Actions: do not post a comment"
    )
    add_output_options(parser, formats("pr"))


def run(args: argparse.Namespace) -> int:
    from depshield.errors import UsageError
    from depshield.policy import Policy
    from depshield.pr.analyse import AnalyseOptions
    from depshield.pr.project import compare_paths, compare_refs

    if args.offline:
        os.environ["DEPSHIELD_OFFLINE"] = "1"
    in_actions = args.github_actions or (
        os.environ.get("GITHUB_ACTIONS") == "true" and not args.base and len(args.paths) < 2
    )
    start = Path(args.paths[0]) if args.paths else Path.cwd()
    policy = load_policy(args, start if start.is_dir() else start.parent)
    assert isinstance(policy, Policy)
    options = AnalyseOptions(policy=policy, offline=args.offline, jobs=args.jobs)
    if in_actions:
        from depshield.cli.pr_actions import run_in_actions

        outcome = run_in_actions(args, options)
    elif args.base:
        outcome = compare_refs(args.base, args.head or "HEAD", start, options)
    elif len(args.paths) == 2:
        old, new = (Path(p).expanduser() for p in args.paths)
        for given, path in zip(args.paths, (old, new), strict=True):
            if not path.exists():
                raise UsageError(f"no such file or directory: {given!r}")
        outcome = compare_paths(old, new, options)
    else:
        raise UsageError(
            "give --base REF (and --head REF) in a git repository, or two lockfiles or folders",
            tip="depshield pr --base origin/main --head HEAD",
        )
    return finish(args, outcome)


def finish(args: argparse.Namespace, outcome: PrOutcome) -> int:
    """Write the report (and SARIF), then exit by policy as scan does."""
    from dataclasses import replace

    from depshield.reports.formats import render_function

    report = replace(outcome.report, show_all=args.show_all)
    write(args.output, render_function("pr", args.format)(report))
    if args.sarif:
        write(args.sarif, render_function("pr", "sarif")(report))
    if outcome.unreadable:
        # Unreadable input is exit 2 (docs/configuration.md): never a pass for what was not
        # read. One line per file on stderr; the report says which file, too.
        from depshield.reports.escape import terminal

        for problem in outcome.unreadable:
            print(f"depshield: error: {terminal(problem.message, 2_000)}", file=sys.stderr)
            if problem.tip:
                print(f"Tip: {terminal(problem.tip, 2_000)}", file=sys.stderr)
        return 2
    if outcome.refused:
        # Unreadable input is exit 2 (docs/configuration.md); the report says which file.
        print(f"depshield: error: {outcome.refused[0]}", file=sys.stderr)
        return 2
    if outcome.network_failed:
        print(
            "depshield: error: the registry could not be reached for some packages; "
            "the report lists what was analysed",
            file=sys.stderr,
        )
        return 3
    return 1 if report.verdict in FAIL_LEVELS[args.fail_on] else 0


def write(output: str | None, text: str) -> None:
    from depshield.errors import UsageError

    if output is None:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output!r}: {exc.strerror}") from None
