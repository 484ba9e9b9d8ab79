"""`depshield scan [PATH]`: every lockfile of a project, its dependency graph, every package."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from depshield.cli.output import add_output_options, emit, exit_code, load_policy
from depshield.reports.formats import formats


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "scan",
        help="scan a project: every lockfile and manifest, every dependency",
        description="Scan every lockfile and manifest under PATH and analyse each dependency.",
    )
    parser.add_argument("path", nargs="?", default=".", help="project directory or lockfile")
    parser.add_argument("--offline", action="store_true", help="no network: cached artifacts only")
    parser.add_argument("--prod-only", action="store_true", help="skip dev dependencies")
    parser.add_argument("--jobs", type=int, default=0, help="analysis processes (default: cores)")
    parser.add_argument(
        "--artifact",
        choices=["install", "sdist"],
        default="install",
        help="PyPI: the file pip would install here (a wheel the lock names that fits this "
        "machine, else the sdist; the default) or the sdist whenever there is one",
    )
    add_output_options(parser, formats("scan"))


def run(args: argparse.Namespace) -> int:
    from depshield.errors import UsageError
    from depshield.policy import Policy
    from depshield.scan.run import ScanOptions, scan

    root = Path(args.path).expanduser()
    if not root.exists():
        raise UsageError(f"no such file or directory: {args.path!r}")
    if args.offline:
        os.environ["DEPSHIELD_OFFLINE"] = "1"
    policy = load_policy(args, root if root.is_dir() else root.parent)
    assert isinstance(policy, Policy)
    with _progress(args.quiet) as progress:
        outcome = scan(
            root,
            ScanOptions(
                offline=args.offline,
                prod_only=args.prod_only,
                jobs=args.jobs,
                artifact="default" if args.artifact == "sdist" else "install",
                policy=policy,
                show_all=args.show_all,
                progress=progress,
            ),
        )
    emit(args, outcome.report)
    return _exit(outcome, args.fail_on, policy.fail_on_vuln)


def _exit(outcome: Any, fail_on: str, fail_on_vuln: str | None = None) -> int:
    """Never a pass for what was not checked (docs/configuration.md, exit codes): an unreadable
    lockfile is 2, an unreachable registry 3, findings 1, packages not analysed 6."""
    from depshield.errors import STOPPED
    from depshield.reports.views import not_analysed_line
    from depshield.scan.resolve import UNRESOLVED

    for problem in outcome.input_errors:
        _error(problem.message, problem.tip)
    # `file:` paths that leave the project (refused, not read): exit 2 like an unreadable file.
    listed = {str(problem) for problem in outcome.input_errors}
    outside = [r for r in getattr(outcome, "refused", []) if r not in listed]
    for refusal in outside:
        print(f"depshield: error: {refusal}", file=sys.stderr)
    stopped = next((e for e in outcome.report.errors if e.endswith(STOPPED)), None)
    if stopped:  # the registry refused again and again: one line, not one per package
        _error(
            stopped,
            "check that the registry is up and that the npm/pip configuration "
            "points at it, then scan again (what was fetched is cached)",
        )
    elif outcome.network_failed:
        _error(
            "the registry could not be reached for some packages; the report lists what was "
            "analysed",
            "check your network and registry configuration, then scan again "
            "(what was fetched is cached)",
        )
    unanalysed = not_analysed_line(outcome.report)
    if unanalysed and not outcome.network_failed:
        # One line however many packages: "411 packages not analysed: offline and ...".
        from depshield.reports.escape import terminal

        line = f"depshield: {unanalysed}. Tip: {_skip_tip(unanalysed)}"
        print(terminal(line, 2_000), file=sys.stderr)
    unresolved = [e for e in outcome.report.errors if UNRESOLVED in e]
    if unresolved and not outcome.network_failed:
        # `cannot resolve NAME RANGE`: that dependency and its own were never analysed.
        more = f" (and {len(unresolved) - 1} more)" if len(unresolved) > 1 else ""
        _error(
            f"{unresolved[0]}{more}",
            "lock the project (npm install, pnpm install...) so its lockfile pins every "
            "dependency; the report says complete: false",
        )
    if outcome.input_errors or outside:
        return 2
    if outcome.network_failed:
        return 3
    code = exit_code(list(outcome.report.packages), fail_on, fail_on_vuln)
    return code or (6 if unanalysed or unresolved else 0)


def _skip_tip(line: str) -> str:
    from depshield.scan.work import OFFLINE_REASON

    if OFFLINE_REASON in line:
        return "scan once without --offline to fill the cache, then --offline works"
    return "the report (--format json) gives each package's reason"


def _error(message: str, tip: str | None) -> None:
    from depshield.reports.escape import terminal

    print(f"depshield: error: {terminal(message, 2_000)}", file=sys.stderr)
    if tip:
        print(f"Tip: {terminal(tip, 2_000)}", file=sys.stderr)


class _progress:
    """A rich progress bar on stderr whenever stderr is a terminal (not with --quiet)."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet

    def __enter__(self) -> Any:
        from depshield.cli.terminal import show_progress

        if not show_progress(sys.stderr, self.quiet):
            self.bar = None
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            transient=True,
            console=Console(file=sys.stderr),
        )
        self.bar.start()
        self.tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            assert self.bar is not None
            if stage not in self.tasks:
                self.tasks[stage] = self.bar.add_task(stage, total=total)
            self.bar.update(self.tasks[stage], completed=done, total=total)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
