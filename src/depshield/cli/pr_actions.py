"""`depshield pr` inside GitHub Actions: the pull request from GITHUB_EVENT_PATH, the report in
the step summary, one comment posted or updated with GITHUB_TOKEN, SARIF for code scanning."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from depshield.errors import UsageError
from depshield.pr.analyse import AnalyseOptions
from depshield.pr.project import PrOutcome
from depshield.pr.report import PrReport

DEFAULT_SARIF = "depshield.sarif"


def pull_request_event(path: str | None) -> dict[str, Any]:
    """The `pull_request` object of the workflow's event (pull_request or pull_request_target)."""
    if not path:
        raise UsageError(
            "GITHUB_EVENT_PATH is not set", tip="run inside GitHub Actions, or give --base/--head"
        )
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the event file {path!r}: {exc}") from None
    pull = event.get("pull_request") if isinstance(event, dict) else None
    if not isinstance(pull, dict):
        raise UsageError(
            f"the event in {path!r} is not a pull request",
            tip="run the action on pull_request events",
        )
    return {"pull_request": pull, "repository": event.get("repository") or {}}


def run_in_actions(args: argparse.Namespace, options: AnalyseOptions) -> PrOutcome:
    """Compare the pull request's base and head, publish the summary, output and comment; the
    outcome (with SARIF asked for) goes on to `cli.pr.finish` like any other run."""
    from dataclasses import replace

    from depshield.pr.project import compare_refs
    from depshield.reports.pr_markdown import render

    env = os.environ
    event = pull_request_event(env.get("GITHUB_EVENT_PATH"))
    pull = event["pull_request"]
    base, head = str(pull["base"]["sha"]), str(pull["head"]["sha"])
    start = Path(args.paths[0]) if args.paths else Path(env.get("GITHUB_WORKSPACE") or ".")
    # Without --config the policy comes from the base commit: the pull request's own
    # depshield.toml must not decide how the pull request is judged.
    outcome = compare_refs(base, head, start, options, base_policy=not args.config)
    report = replace(outcome.report, base=base[:12], head=head[:12])
    markdown = render(report)
    _append(env.get("GITHUB_STEP_SUMMARY"), markdown)
    _append(env.get("GITHUB_OUTPUT"), f"verdict={report.verdict}\n")
    if not args.sarif:
        args.sarif = DEFAULT_SARIF
    if not args.no_comment:
        post_comment(env, event, report, markdown)
    return replace(outcome, report=report)


def post_comment(env: Any, event: dict[str, Any], report: PrReport, markdown: str) -> None:
    """One comment per pull request; a read-only token (pull requests from forks) only warns."""
    from depshield.pr.github import GitHub, GitHubError, Repo
    from depshield.reports.pr_markdown import MARKER

    token, api_url = env.get("GITHUB_TOKEN"), env.get("GITHUB_API_URL")
    full_name = str((event["repository"] or {}).get("full_name") or env.get("GITHUB_REPOSITORY"))
    if not token or not api_url or "/" not in full_name:
        print("depshield: no GITHUB_TOKEN or GITHUB_API_URL: comment skipped", file=sys.stderr)
        return
    owner, name = full_name.split("/", 1)
    github = GitHub(api_url, token)
    try:
        number = int(event["pull_request"]["number"])
        github.upsert_comment(Repo(owner, name), number, markdown, MARKER)
    except GitHubError as exc:
        print(f"::warning::depshield could not comment: {exc.message}", file=sys.stderr)
    finally:
        github.close()


def _append(path: str | None, text: str) -> None:
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        print(f"depshield: cannot write {path!r}: {exc.strerror}", file=sys.stderr)
