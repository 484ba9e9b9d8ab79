"""`depshield pr`: what was not checked is never a success (issue 12), and the head commit's
files are streamed out of git with the project-file refusals (issue 17)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from depshield.cli.main import main
from depshield.pr.git import export
from depshield.project_files import ProjectFileError

GOOD_LOCK = json.dumps(
    {
        "name": "app",
        "lockfileVersion": 3,
        "packages": {"": {"name": "app", "version": "1.0.0"}},
    }
)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    return done.stdout.decode()


def repository(tmp_path: Path, head: dict[str, str]) -> Path:
    """A repository whose base commit holds a valid app/package-lock.json and whose head
    commit writes `head` (path -> text)."""
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "dev@example.invalid")
    git(repo, "config", "user.name", "Dev")
    (repo / "app" / "package-lock.json").write_text(GOOD_LOCK)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    for path, text in head.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", "head")
    return repo


def sarif_of(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, object], str]:
    out = tmp_path / "pr.sarif"
    argv = ["pr", "--offline", "--base", "main~1", "--head", "main", str(repo)]
    code = main([*argv, "--format", "sarif", "--output", str(out)])
    return code, json.loads(out.read_text())["runs"][0]["invocations"][0], capsys.readouterr().err


def test_a_truncated_lockfile_in_the_head_is_not_a_successful_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = repository(tmp_path, {"app/package-lock.json": GOOD_LOCK[:40]})
    code, invocation, stderr = sarif_of(repo, tmp_path, capsys)
    assert code == 2
    assert "app/package-lock.json" in stderr and "invalid JSON" in stderr
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert isinstance(notes, list)
    errors = [n for n in notes if n["level"] == "error"]
    assert errors and "app/package-lock.json" in errors[0]["message"]["text"]
    uri = errors[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.endswith("package-lock.json")


def test_a_readable_head_is_a_successful_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = repository(tmp_path, {"README.md": "no dependency change\n"})
    code, invocation, _ = sarif_of(repo, tmp_path, capsys)
    assert code == 0
    assert invocation["executionSuccessful"] is True


def test_export_streams_a_commit_and_refuses_a_symlink_out_of_the_checkout(
    tmp_path: Path,
) -> None:
    repo = repository(tmp_path, {"app/requirements.txt": "six==1.16.0\n"})
    dest = tmp_path / "checkout"
    commit = git(repo, "rev-parse", "HEAD").strip()
    export(repo, commit, ["app"], dest)
    assert (dest / "app" / "requirements.txt").read_text() == "six==1.16.0\n"
    assert json.loads((dest / "app" / "package-lock.json").read_text())["name"] == "app"

    (repo / "app" / "requirements.txt").unlink()
    (repo / "app" / "requirements.txt").symlink_to("../../../../../../etc/passwd")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "symlink")
    commit = git(repo, "rev-parse", "HEAD").strip()
    with pytest.raises(ProjectFileError) as refused:
        export(repo, commit, ["app"], tmp_path / "checkout2")
    assert "app/requirements.txt" in refused.value.message
    assert "outside the project" in refused.value.message
    assert not (tmp_path / "checkout2" / "app" / "requirements.txt").exists()


def test_export_refuses_a_blob_over_the_size_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import depshield.project_files as project_files

    repo = repository(tmp_path, {"app/requirements.txt": "six==1.16.0\n" * 1000})
    monkeypatch.setattr(project_files, "DEFAULT_CAP", 4096)  # the 64 MiB cap, scaled down
    commit = git(repo, "rev-parse", "HEAD").strip()
    with pytest.raises(ProjectFileError) as refused:
        export(repo, commit, ["app"], tmp_path / "checkout")
    assert "app/requirements.txt" in refused.value.message
    assert "4096 byte limit" in refused.value.message


def test_export_of_a_missing_commit_is_one_git_error(tmp_path: Path) -> None:
    from depshield.errors import UsageError

    repo = repository(tmp_path, {})
    with pytest.raises(UsageError) as failed:
        export(repo, "0" * 40, ["app"], tmp_path / "checkout")
    assert failed.value.message.startswith("git archive failed in")
