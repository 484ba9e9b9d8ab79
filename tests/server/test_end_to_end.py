"""The service end to end on a real git repository: webhook -> queue -> worker -> the fake
GitHub API (validated against GitHub's OpenAPI description) -> one comment and a check run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from payloads import INSTALLATION, comment, pull_request
from service_support import REPO, commit_lock, git, headers, running_service, wait_idle

# Starlette's TestClient still drives httpx, which it now marks deprecated; nothing to act on.
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")


@pytest.fixture
def client(
    github: Any, app_key: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    project: dict[str, Any],
) -> Iterator[Any]:  # fmt: skip
    with running_service(github, app_key, tmp_path / "server.db", monkeypatch) as test_client:
        yield test_client


def deliver(client: Any, event: str, payload: dict[str, Any], delivery: str | None = None) -> Any:
    body = json.dumps(payload).encode()
    return client.post("/webhook", content=body, headers=headers(event, body, delivery))


def test_pull_request_lifecycle(
    client: Any, github: Any, project: dict[str, Any], webhook_examples: Any
) -> None:
    repo, base = project["repo"], project["base"]
    git(repo, "checkout", "-q", "-b", "feature")
    head = commit_lock(repo, [project["keep"], project["evil"]], "add evil-helper")
    opened = pull_request(webhook_examples, "opened", 7, base, head)
    answer = deliver(client, "pull_request", opened)
    assert answer.status_code == 202 and answer.json()["queued"] is True
    wait_idle(client.queue)

    [first] = github.comments_on(REPO, 7)
    assert first["body"].startswith("<!-- depshield -->")
    assert "evil-helper" in first["body"] and "**BLOCK**" in first["body"]
    assert "keep-me" not in first["body"]  # untouched dependencies are not reported
    [check] = github.checks_on(head)
    assert (check["status"], check["conclusion"]) == ("completed", "failure")
    assert not project["npm"].fetched("keep-me")

    # A push that removes the package: the same comment is updated, the check passes.
    fixed = commit_lock(repo, [project["keep"]], "drop evil-helper")
    synchronize = pull_request(webhook_examples, "synchronize", 7, base, fixed)
    delivery = "a1b2c3d4-0000-4000-8000-000000000001"
    assert deliver(client, "pull_request", synchronize, delivery).status_code == 202
    wait_idle(client.queue)
    [again] = github.comments_on(REPO, 7)
    assert again["id"] == first["id"]
    assert "evil-helper" not in again["body"] and "no dependency changes" in again["body"]
    [passed] = github.checks_on(fixed)
    assert passed["conclusion"] == "success"

    # The same delivery again: acknowledged, nothing done twice.
    calls = len(github.calls)
    answer = deliver(client, "pull_request", synchronize, delivery)
    assert answer.status_code == 202 and answer.json()["duplicate"] is True
    wait_idle(client.queue)
    assert len(github.calls) == calls
    assert client.queue.counts() == {"done": 2}


def test_bad_signature_is_refused_and_nothing_is_queued(
    client: Any, project: dict[str, Any], webhook_examples: Any
) -> None:
    payload = pull_request(webhook_examples, "opened", 8, project["base"], project["base"])
    body = json.dumps(payload).encode()
    forged = headers("pull_request", body)
    forged["X-Hub-Signature-256"] = "sha256=" + "0" * 64
    assert client.post("/webhook", content=body, headers=forged).status_code == 401
    unsigned = {k: v for k, v in headers("pull_request", body).items() if "Signature" not in k}
    assert client.post("/webhook", content=body, headers=unsigned).status_code == 401
    tampered = headers("pull_request", body)
    assert client.post("/webhook", content=body + b" ", headers=tampered).status_code == 401
    assert client.queue.counts() == {}


def test_oversized_payload_is_refused(client: Any) -> None:
    body = b"{" + b" " * (26 * 1024 * 1024) + b"}"
    answer = client.post("/webhook", content=body, headers=headers("pull_request", body))
    assert answer.status_code == 413
    assert client.queue.counts() == {}


def test_every_example_delivery_is_accepted(client: Any, webhook_examples: Any) -> None:
    # Installation events are recorded; pull_request actions other than opened, synchronize and
    # reopened are queued and end as nothing-to-do (no GitHub call for any of them).
    for event in ("installation", "pull_request"):
        for example in webhook_examples[event]:
            if event == "pull_request" and example["action"] in (
                "opened",
                "synchronize",
                "reopened",
            ):
                continue
            assert deliver(client, event, example).status_code == 202
    answer = deliver(client, "ping", webhook_examples["ping"][0])
    assert answer.status_code == 202 and "not handled" in answer.json()["message"]
    counts = wait_idle(client.queue)
    assert counts == {"done": sum(1 for _ in _queued(webhook_examples))}
    assert client.get("/healthz").json()["jobs"] == counts


def _queued(examples: Any) -> Iterator[Any]:
    for event in ("installation", "pull_request"):
        for example in examples[event]:
            if event != "pull_request" or example["action"] not in (
                "opened",
                "synchronize",
                "reopened",
            ):
                yield example


def test_comment_commands_need_write_access(
    client: Any, github: Any, project: dict[str, Any], webhook_examples: Any
) -> None:
    repo, base = project["repo"], project["base"]
    head = commit_lock(repo, [project["keep"], project["evil"]], "add evil-helper")
    github.pulls[(REPO, 9)] = (base, head)
    deliver(client, "pull_request", pull_request(webhook_examples, "opened", 9, base, head))
    wait_idle(client.queue)
    github.add_user_comment(REPO, 9, "mallory", "<!-- depshield --> fake report")
    github.add_user_comment(REPO, 9, "other-ci[bot]", "<!-- depshield --> its own copy", "Bot")
    github.permissions.update({"reader": "read", "maintainer": "maintain"})

    deliver(
        client, "issue_comment", comment(webhook_examples, 9, "reader", "@depshield ignore-all")
    )
    wait_idle(client.queue)
    assert github.checks_on(head)[-1]["conclusion"] == "failure"

    command = "thanks!\n@depshield ignore evil-helper@1.0.1\n"
    deliver(client, "issue_comment", comment(webhook_examples, 9, "maintainer", command))
    wait_idle(client.queue)
    ours = [c for c in github.comments_on(REPO, 9) if c.get("performed_via_github_app")]
    [body] = [c["body"] for c in ours]
    assert "ignored by `@maintainer`" in body
    assert "`evil-helper@1.0.1` by `@maintainer`" in body
    assert github.checks_on(head)[-1]["conclusion"] == "success"
    assert ("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission") in github.calls


def test_rescan_reads_the_pull_request_when_it_was_never_seen(
    client: Any, github: Any, project: dict[str, Any], webhook_examples: Any
) -> None:
    head = commit_lock(project["repo"], [project["keep"], project["evil"]], "add evil-helper")
    github.pulls[(REPO, 11)] = (project["base"], head)
    github.permissions["admin-user"] = "admin"
    deliver(
        client, "issue_comment", comment(webhook_examples, 11, "admin-user", "@depshield rescan")
    )
    wait_idle(client.queue)
    assert ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}") in github.calls
    [only] = github.comments_on(REPO, 11)
    assert "evil-helper" in only["body"]
    assert INSTALLATION  # the payloads name the installation the fake issues tokens for


def test_an_older_delivery_never_overwrites_a_newer_result(
    client: Any, github: Any, project: dict[str, Any], webhook_examples: Any
) -> None:
    from depshield.pr.github import Repo

    repo, base = project["repo"], project["base"]
    old_head = commit_lock(repo, [project["keep"], project["evil"]], "add evil-helper")
    new_head = commit_lock(repo, [project["keep"]], "drop it again")
    deliver(
        client, "pull_request", pull_request(webhook_examples, "synchronize", 13, base, new_head)
    )
    wait_idle(client.queue)
    calls = len(github.calls)
    handler = client.app.state.workers.handler
    # The older push's delivery, processed late by another worker:
    note = handler.scan(INSTALLATION, Repo(*REPO.split("/")), 13, base, old_head, received=1.0)
    assert "superseded" in note
    assert len(github.calls) == calls
    [only] = github.comments_on(REPO, 13)
    assert "evil-helper" not in only["body"]
