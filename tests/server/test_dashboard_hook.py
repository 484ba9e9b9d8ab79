"""The PR handler records what it judged for the dashboard: a webhook in, a real scan of a git
repository, and the run, its packages, the ignore command (who, when, why) and the closing are
read back from the dashboard's JSON on the same app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from payloads import comment, pull_request
from service_support import REPO, commit_lock, git, headers, running_service, wait_idle

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
JSON = {"accept": "application/json"}


@pytest.fixture
def loopback_client(
    github: Any, app_key: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    project: dict[str, Any],
) -> Iterator[Any]:  # fmt: skip
    monkeypatch.delenv("DEPSHIELD_DATABASE_URL", raising=False)
    db, loopback = tmp_path / "server.db", ("127.0.0.1", 50000)
    with running_service(github, app_key, db, monkeypatch, loopback) as test_client:
        yield test_client
    assert (tmp_path / "dashboard.sqlite3").is_file()  # the default: next to the queue


def deliver(client: Any, event: str, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    assert client.post("/webhook", content=body, headers=headers(event, body)).status_code == 202
    wait_idle(client.queue)


def test_runs_ignores_and_closing_are_recorded(
    loopback_client: Any, github: Any, project: dict[str, Any], webhook_examples: Any
) -> None:
    web = loopback_client
    repo, base = project["repo"], project["base"]
    git(repo, "checkout", "-q", "-b", "feature")
    head = commit_lock(repo, [project["keep"], project["evil"]], "add evil-helper")
    github.pulls[(REPO, 5)] = (base, head)
    deliver(web, "pull_request", pull_request(webhook_examples, "opened", 5, base, head))

    page = web.get(f"/pr/{REPO}/5", headers=JSON).json()
    assert (page["verdict"], page["head"]) == ("block", head)
    assert [(c["kind"], c["name"], c["verdict"]) for c in page["changes"]] == [
        ("added", "evil-helper", "block")
    ]
    [ours] = [c for c in github.comments_on(REPO, 5) if c.get("performed_via_github_app")]
    assert page["comment"] == ours["body"]
    package = web.get("/npm/evil-helper/1.0.1", headers=JSON).json()
    assert package["verdict"] == "block" and package["paths"][0]["repo"] == REPO
    assert [p["pr"] for p in web.get("/", headers=JSON).json()["pullRequests"]] == [5]

    github.permissions.update({"maintainer": "maintain"})
    command = "@depshield ignore evil-helper@1.0.1\nreviewed with the security team"
    deliver(web, "issue_comment", comment(webhook_examples, 5, "maintainer", command))
    page = web.get(f"/pr/{REPO}/5", headers=JSON).json()
    assert page["verdict"] == "pass" and page["changes"][0]["ignoredBy"] == "maintainer"
    [ignore] = page["ignores"]
    assert (ignore["package"], ignore["by"]) == ("evil-helper@1.0.1", "maintainer")
    assert "reviewed with the security team" in ignore["why"]
    assert [h["verdict"] for h in page["history"]] == ["pass", "block"]

    latest = {r["repo"]: r["verdict"] for r in web.get("/", headers=JSON).json()["repositories"]}
    assert latest == {REPO: "pass"}


def test_a_closed_pull_request_stays_closed_after_a_rescan(
    loopback_client: Any, github: Any, project: dict[str, Any], webhook_examples: Any
) -> None:
    web = loopback_client
    repo, base = project["repo"], project["base"]
    head = commit_lock(repo, [project["keep"], project["evil"]], "add evil-helper")
    github.pulls[(REPO, 6)] = (base, head)
    deliver(web, "pull_request", pull_request(webhook_examples, "opened", 6, base, head))
    assert [p["pr"] for p in web.get("/", headers=JSON).json()["pullRequests"]] == [6]
    deliver(web, "pull_request", pull_request(webhook_examples, "closed", 6, base, head))
    assert web.get("/", headers=JSON).json()["pullRequests"] == []
    github.permissions.update({"maintainer": "maintain"})
    deliver(web, "issue_comment", comment(webhook_examples, 6, "maintainer", "@depshield rescan"))
    assert len(web.get(f"/pr/{REPO}/6", headers=JSON).json()["history"]) == 2  # rescanned
    assert web.get("/", headers=JSON).json()["pullRequests"] == []  # and still closed
    deliver(web, "pull_request", pull_request(webhook_examples, "reopened", 6, base, head))
    assert [p["pr"] for p in web.get("/", headers=JSON).json()["pullRequests"]] == [6]
