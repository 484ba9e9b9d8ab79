"""Shared CLI plumbing: rendering a report to stdout or a file, and the fail-level rule."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from depshield.errors import UsageError
from depshield.model import PackageResult
from depshield.reports.base import Report

FAIL_LEVELS = {"block": ("block",), "warn": ("block", "warn"), "never": ()}


def add_output_options(parser: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    parser.add_argument("--format", choices=formats, default="text", help="report format")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    parser.add_argument(
        "--fail-on",
        choices=list(FAIL_LEVELS),
        default="block",
        help="exit 1 when a package's verdict is at or above this (default: block)",
    )
    parser.add_argument(
        "--all", action="store_true", dest="show_all", help="also show alerts the policy ignores"
    )
    parser.add_argument("--config", metavar="FILE", help="depshield.toml or pyproject.toml")
    parser.add_argument(
        "--fail-on-vuln",
        choices=["critical", "high", "medium", "low", "never"],
        metavar="SEVERITY",
        help="also exit 1 on a known vulnerability at or above SEVERITY (critical, high, "
        "medium, low; never); default: the policy's fail-on-vuln, else only the verdict counts",
    )
    parser.add_argument(
        "--ignore-vuln",
        action="append",
        default=[],
        metavar="ID",
        help="ignore the advisory ID (GHSA, CVE, PYSEC... or an alias) in every package; repeat "
        "for more (a reason and an expiry belong in the config: [[ignore]] id = ...)",
    )
    parser.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="colour in text output (auto: on a terminal, unless NO_COLOR; FORCE_COLOR forces)",
    )
    parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress; text output lists only packages that warn or block, and no notes",
    )


def emit(args: argparse.Namespace, report: Report) -> None:
    from dataclasses import replace

    from depshield.cli.terminal import terminal_width, use_color
    from depshield.reports.formats import renderer, streamer

    to_file = args.output is not None
    if getattr(args, "quiet", False):
        report = replace(report, quiet=True)
    stream = streamer(args.format)
    if stream is not None:  # written piece by piece: a huge report is never one string
        _stream(args.output, report, stream)
        return
    if args.format == "text":
        from depshield.reports.text import render

        color = not to_file and use_color(getattr(args, "color", "auto"), sys.stdout)
        width = None if to_file else terminal_width(sys.stdout)
        text = render(report, color=color, width=width)
    else:
        text = renderer(args.format)(report, color=False)
    if to_file:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output!r}: {exc.strerror}") from None
    else:
        sys.stdout.write(text)


def _stream(output: str | None, report: Report, stream: Any) -> None:
    if output is None:
        stream(report, sys.stdout.write)
        return
    try:
        with open(output, "w", encoding="utf-8") as out:
            stream(report, out.write)
    except OSError as exc:
        raise UsageError(f"cannot write {output!r}: {exc.strerror}") from None


def exit_code(
    results: Sequence[PackageResult], fail_on: str, fail_on_vuln: str | None = None
) -> int:
    """1 when a verdict is at or above `fail_on`, or a known vulnerability at or above
    `fail_on_vuln` (the catalog's scale: critical, high, middle, low); 6 when `fail_on_vuln` is
    set and some package's known vulnerabilities were not checked; else 0."""
    if any(r.verdict in FAIL_LEVELS[fail_on] for r in results):
        return 1
    from depshield.vulns.gate import failing_vulnerabilities

    failing = failing_vulnerabilities(results, fail_on_vuln)
    if failing:
        more = f" and {len(failing) - 1} more" if len(failing) > 1 else ""
        print(
            f"depshield: known vulnerability at or above --fail-on-vuln: {failing[0]}{more}",
            file=sys.stderr,
        )
        return 1
    if fail_on_vuln not in (None, "never"):
        unchecked = [r for r in results if r.scores.vulnerability is None]
        if unchecked:  # the gate asked for a check that was not made: not a pass
            more = f" and {len(unchecked) - 1} more" if len(unchecked) > 1 else ""
            print(
                f"depshield: error: known vulnerabilities were not checked for {unchecked[0].ref}"
                f"{more}, so --fail-on-vuln cannot pass them\nTip: run `depshield db update` "
                "(or `depshield db import PATH`), or use a registry that serves advisories",
                file=sys.stderr,
            )
            return 6
    return 0


def load_policy(args: argparse.Namespace, start: Path) -> object:
    """The config file's policy, with --ignore-vuln and --fail-on-vuln from the command line."""
    from dataclasses import replace

    from depshield.config import find_config, load_policy
    from depshield.policy import Ignore
    from depshield.vulns.gate import parse_severity

    path = Path(args.config) if args.config else find_config(start)
    if args.config and not path.is_file():  # type: ignore[union-attr]
        raise UsageError(f"config file {args.config!r} not found")
    policy = load_policy(path)
    extra = tuple(
        Ignore(package="", reason="--ignore-vuln on the command line", advisory=ident)
        for ident in getattr(args, "ignore_vuln", None) or ()
    )
    flag = getattr(args, "fail_on_vuln", None)
    return replace(
        policy,
        ignores=(*policy.ignores, *extra),
        fail_on_vuln=parse_severity(flag) if flag else policy.fail_on_vuln,
    )
