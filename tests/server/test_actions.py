"""`depshield pr` in GitHub Actions mode: the event file, the step summary, one comment through
GITHUB_API_URL (the fake GitHub, OpenAPI-validated), SARIF, and the exit code; action.yml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from payloads import pull_request
from service_support import REPO, commit_lock, git

from depshield.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def actions_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, github: Any, event: dict[str, Any]
) -> dict[str, Path]:
    files = {n: tmp_path / n for n in ("event.json", "summary.md", "output.txt")}
    files["event.json"].write_text(json.dumps(event))
    github.tokens.add("ghs_actions_token")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(files["event.json"]))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(files["summary.md"]))
    monkeypatch.setenv("GITHUB_OUTPUT", str(files["output.txt"]))
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_actions_token")
    monkeypatch.setenv("GITHUB_API_URL", github.url)
    monkeypatch.chdir(tmp_path)
    return files


def test_actions_mode_comments_once_and_fails_by_policy(
    project: dict[str, Any], github: Any, webhook_examples: Any, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    head = commit_lock(project["repo"], [project["keep"], project["evil"]], "add evil-helper")
    event = pull_request(webhook_examples, "opened", 3, project["base"], head)
    files = actions_env(monkeypatch, tmp_path, github, event)

    assert main(["pr", str(project["repo"])]) == 1
    summary = files["summary.md"].read_text()
    assert summary.startswith("<!-- depshield -->") and "evil-helper" in summary
    assert files["output.txt"].read_text() == "verdict=block\n"
    sarif = json.loads((tmp_path / "depshield.sarif").read_text())
    assert "dataExfiltration" in {r["ruleId"] for r in sarif["runs"][0]["results"]}
    [comment] = github.comments_on(REPO, 3)
    assert "evil-helper" in comment["body"]
    assert "evil-helper" in capsys.readouterr().out  # the text report in the job's log

    # A second run (a new push) updates the same comment; --fail-on never exits 0.
    assert main(["pr", "--fail-on", "never", str(project["repo"])]) == 0
    [again] = github.comments_on(REPO, 3)
    assert again["id"] == comment["id"]


def test_actions_mode_needs_a_pull_request_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    event = tmp_path / "push.json"
    event.write_text(json.dumps({"ref": "refs/heads/main"}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    assert main(["pr", "--github-actions", str(tmp_path)]) == 2
    assert "is not a pull request" in capsys.readouterr().err


def test_action_yml_runs_depshield_pr_from_its_checkout() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    scripts = "\n".join(step["run"] for step in action["runs"]["steps"])
    assert '"$GITHUB_ACTION_PATH"' in scripts and "--github-actions" in scripts
    assert "${{" not in scripts  # inputs reach the scripts through env, never pasted in
    assert set(action["inputs"]) >= {"path", "fail-on", "comment", "sarif-file", "token"}


IGNORE_EVIL = '[[ignore]]\npackage = "evil-helper@1.0.1"\nreason = "reviewed"\n'


def test_the_policy_comes_from_the_base_commit(
    project: dict[str, Any], github: Any, webhook_examples: Any, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    repo = project["repo"]
    (repo / "depshield.toml").write_text(IGNORE_EVIL)  # the change tries to wave itself through
    head = commit_lock(repo, [project["keep"], project["evil"]], "add evil-helper and an ignore")
    event = pull_request(webhook_examples, "opened", 12, project["base"], head)
    actions_env(monkeypatch, tmp_path, github, event)
    assert main(["pr", "--no-comment", str(repo)]) == 1
    capsys.readouterr()

    # The same ignore on the base branch is honoured.
    git(repo, "checkout", "-q", project["base"])
    (repo / "depshield.toml").write_text(IGNORE_EVIL)
    base = commit_lock(repo, [project["keep"]], "base with an ignore")
    event = pull_request(webhook_examples, "opened", 12, base, head)
    (tmp_path / "event.json").write_text(json.dumps(event))
    assert main(["pr", "--no-comment", str(repo)]) == 0
