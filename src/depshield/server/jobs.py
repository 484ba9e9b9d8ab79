"""What a worker does with each delivery: scan a pull request's dependency change, post the
one comment and the check run, and honour comment commands from users with write access."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import httpx

from depshield.errors import ConfigError
from depshield.policy import Ignore, Policy
from depshield.pr.analyse import AnalyseOptions
from depshield.pr.apitree import ApiTree
from depshield.pr.github import GitHub, Repo
from depshield.pr.policy import base_policy
from depshield.pr.project import compare_trees
from depshield.pr.report import PrReport
from depshield.reports.pr_markdown import MARKER, render
from depshield.server import commands
from depshield.server.auth import Tokens
from depshield.server.config import ServerConfig
from depshield.server.logs import Timer, log
from depshield.server.queue import IGNORE_ALL, Job
from depshield.server.store import Store

if TYPE_CHECKING:
    from depshield.dashboard.store import ResultsStore

PR_ACTIONS = ("opened", "synchronize", "reopened")
CONCLUSION = {"block": "failure", "warn": "neutral", "pass": "success"}
TITLE = {
    "block": "Blocked: the change brings in a package to remove",
    "warn": "Review: the change brings in packages with warnings",
    "pass": "No risky dependency changes",
}


class Handler:
    def __init__(
        self,
        config: ServerConfig,
        queue: Store,
        client: httpx.Client | None = None,
        results: ResultsStore | None = None,
    ) -> None:
        self.config, self.queue, self.client = config, queue, client
        self.results = results  # what the dashboard shows; None records nothing
        self.tokens = Tokens(config.api_url, config.app_id, config.private_key, client)

    def handle(self, job: Job) -> str:
        """Run one job; returns a short note for the log. Raises to ask for a retry."""
        payload: dict[str, Any] = json.loads(job.payload)
        if job.event == "pull_request":
            return self.on_pull_request(payload, job.received)
        if job.event == "issue_comment":
            return self.on_comment(payload, job.received)
        if job.event in ("installation", "installation_repositories"):
            return self.on_installation(payload)
        return f"{job.event}: nothing to do"

    def on_pull_request(self, payload: dict[str, Any], received: float = 0.0) -> str:
        action = payload.get("action")
        if action in ("closed", "reopened") and self.results is not None:
            state = "closed" if action == "closed" else "open"
            self._record(self.results.set_state, _repo(payload).full_name,
                         int(payload["pull_request"]["number"]), state)  # fmt: skip
        if action not in PR_ACTIONS:
            return f"pull_request {action}: nothing to do"
        pull = payload["pull_request"]
        repo = _repo(payload)
        number = int(pull["number"])
        base, head = pull["base"]["sha"], pull["head"]["sha"]
        installation = int(payload["installation"]["id"])
        return self.scan(installation, repo, number, base, head, received)

    def on_comment(self, payload: dict[str, Any], received: float = 0.0) -> str:
        issue, comment = payload.get("issue") or {}, payload.get("comment") or {}
        user = comment.get("user") or {}
        if payload.get("action") != "created" or not issue.get("pull_request"):
            return "comment: not a new pull-request comment"
        if user.get("type") == "Bot":
            return "comment: from a bot"
        found = commands.parse(comment.get("body") or "", self.config.command_name)
        if not found:
            return "comment: no command"
        repo, number = _repo(payload), int(issue["number"])
        installation = int(payload["installation"]["id"])
        github = self.github(installation)
        login = str(user.get("login") or "")
        role = github.permission(repo, login)
        if role not in commands.WRITE_ROLES:
            log().info("command refused", extra={"user": login, "role": role, "pr": number})
            return f"comment: {login} has {role} access, commands need write"
        for command in found:
            if command.verb == "ignore" and command.package:
                self.queue.add_ignore(repo.full_name, number, command.package, login)
            elif command.verb == "ignore-all":
                self.queue.add_ignore(repo.full_name, number, IGNORE_ALL, login)
            if command.verb != "rescan" and self.results is not None:
                why = str(comment.get("body") or "")
                spec = command.package or IGNORE_ALL
                self._record(self.results.record_ignore, repo.full_name, number, spec, login, why)
        _, _, base, head = self.queue.pull(repo.full_name, number)
        if base is None or head is None:
            pull = github.pull(repo, number)
            base, head = pull["base"]["sha"], pull["head"]["sha"]
        return self.scan(installation, repo, number, base, head, received)

    def on_installation(self, payload: dict[str, Any]) -> str:
        installation = payload.get("installation") or {}
        account = (installation.get("account") or {}).get("login") or ""
        state = str(payload.get("action") or "unknown")
        self.queue.set_installation(int(installation.get("id") or 0), str(account), state)
        if state in ("deleted", "suspend"):
            self.tokens.forget(int(installation.get("id") or 0))
        return f"installation {state}"

    def github(self, installation: int) -> GitHub:
        return GitHub(self.config.api_url, self.tokens.token(installation), self.client)

    def scan(
        self, installation: int, repo: Repo, number: int, base: str, head: str, received: float
    ) -> str:
        """One pull request at a time: the comment is found or made once, never twice; a
        delivery older than the one the comment already shows (two workers, two pushes) is
        not allowed to put the older head back."""
        with self.queue.pull_lock(repo.full_name, number):
            if self.queue.applied(repo.full_name, number) > received:
                return f"{repo.full_name}#{number}: superseded by a later delivery"
            timer = Timer()
            github = self.github(installation)
            comment_id, check_id, _, saved_head = self.queue.pull(repo.full_name, number)
            if check_id is None or saved_head != head:
                # Saved with the head it belongs to: a retry after a crash reuses it.
                check_id = github.start_check(repo, head)
                self.queue.save_pull(
                    repo.full_name, number, check_id=check_id, base_sha=base, head_sha=head
                )
            report = self.report(github, repo, number, base, head)

            body = render(report)
            comment_id = github.upsert_comment(
                repo, number, body, MARKER, known=comment_id, app_id=self.config.app_id
            )
            self.queue.save_pull(repo.full_name, number, comment_id=comment_id)
            self.queue.set_applied(repo.full_name, number, received)
            if self.results is not None:
                self._record(self.results.record_run, repo.full_name, number, base, head,
                             report, body)  # fmt: skip
            github.finish_check(
                repo, check_id, CONCLUSION[report.verdict], TITLE[report.verdict], body
            )
            log().info(
                "pull request scanned",
                extra={
                    "repo": repo.full_name,
                    "pr": number,
                    "verdict": report.verdict,
                    "changes": len(report.items),
                    "duration_ms": timer.ms(),
                },
            )
            return f"{repo.full_name}#{number}: {report.verdict}"

    def report(self, github: GitHub, repo: Repo, number: int, base: str, head: str) -> PrReport:

        ignores = self.queue.ignores(repo.full_name, number)
        ignore_all = next((by for pkg, by in ignores if pkg == IGNORE_ALL), None)
        specific = [(pkg, by) for pkg, by in ignores if pkg != IGNORE_ALL]
        entries = tuple(Ignore(pkg, f"ignored by @{by} in a comment") for pkg, by in specific)

        blobs: dict[str, bytes] = {}
        old = ApiTree(github, repo, base, base[:12], blobs)
        new = ApiTree(github, repo, head, head[:12], blobs)
        problems: list[str] = []
        try:
            policy = base_policy(old)  # the base branch's depshield.toml, never the head's
        except ConfigError as exc:
            policy = Policy()
            problems.append(f"{exc.message}: judged with the default policy")
        options = AnalyseOptions(
            policy=replace(policy, ignores=(*policy.ignores, *entries)),
            offline=self.config.offline,
            start_method="forkserver",
        )
        report = compare_trees(old, new, options).report
        items = []
        for item in report.items:
            who = next((by for pkg, by in specific if _covers(pkg, item.change.ref)), None)
            items.append(replace(item, ignored_by=who) if who else item)
        notes = [*report.notes, *old.notes, *new.notes]
        return replace(report, items=items, notes=notes, ignores=specific, ignore_all_by=ignore_all)

    def _record(self, write: Any, *args: Any) -> None:
        """The dashboard's record is not worth a retry that would post the comment again."""
        try:
            write(*args)
        except Exception as exc:  # noqa: BLE001 - any database failure: log it, go on
            log().warning("result not recorded", extra={"error": f"{type(exc).__name__}: {exc}"})


def _covers(spec: str, ref: Any) -> bool:

    return Ignore(spec, "").matches(ref, "any")


def _repo(payload: dict[str, Any]) -> Repo:
    repository = payload["repository"]
    return Repo(str(repository["owner"]["login"]), str(repository["name"]))
