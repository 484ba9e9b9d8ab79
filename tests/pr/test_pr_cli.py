"""`depshield pr` on two lockfiles, two folders and two git refs, against the loopback registry:
only what the change brings in is fetched and analysed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from npm_project import FixtureRegistry, benign_files, package_lock, stealer_files

from depshield.cli.main import main


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(["pr", *argv, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)["pr"]


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in report["changes"]}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_two_lockfiles_classify_and_fetch_only_the_change(
    npm: FixtureRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keep = npm.publish("keep-me", "1.0.0", benign_files("keep-me", "1.0.0"))
    old_up = npm.publish("bump", "1.0.0", benign_files("bump", "1.0.0"))
    new_up = npm.publish("bump", "1.1.0", benign_files("bump", "1.1.0"))
    gone = npm.publish("gone", "2.0.0", benign_files("gone", "2.0.0"))
    old_down = npm.publish("down", "3.0.0", benign_files("down", "3.0.0"))
    new_down = npm.publish("down", "2.9.0", benign_files("down", "2.9.0"))
    added = npm.publish("fresh", "0.1.0", benign_files("fresh", "0.1.0"))
    old = write(
        tmp_path / "old" / "package-lock.json", package_lock([keep, old_up, gone, old_down])
    )
    new = write(
        tmp_path / "new" / "package-lock.json", package_lock([keep, new_up, new_down, added])
    )
    code, report = run_json(capsys, str(old), str(new))
    changes = by_name(report)
    assert code == 0 and report["verdict"] == "pass"
    assert {n: (c["kind"], c["from"], c["to"]) for n, c in changes.items()} == {
        "bump": ("upgraded", "1.0.0", "1.1.0"),
        "down": ("downgraded", "3.0.0", "2.9.0"),
        "gone": ("removed", "2.0.0", None),
        "fresh": ("added", None, "0.1.0"),
    }
    assert changes["bump"]["versionDiff"]["change"] == "minor"
    assert changes["gone"]["package"] is None  # a removal brings in nothing to analyse
    assert not npm.fetched("keep-me")  # untouched: neither packument nor tarball requested
    assert not npm.fetched("gone")
    assert npm.fetched("fresh") and npm.fetched("bump")


def test_patch_that_gains_an_install_script(
    npm: FixtureRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old_pkg = npm.publish("padder", "1.0.0", benign_files("padder", "1.0.0"))
    files = benign_files("padder", "1.0.1", scripts={"postinstall": "node setup.js"})
    files["setup.js"] = b"console.log('configured');\n"
    new_pkg = npm.publish("padder", "1.0.1", files)
    old = write(tmp_path / "a" / "package-lock.json", package_lock([old_pkg]))
    new = write(tmp_path / "b" / "package-lock.json", package_lock([new_pkg]))
    code, report = run_json(capsys, str(old), str(new), "--fail-on", "warn")
    change = by_name(report)["padder"]
    introduced = {(a["type"], a["file"], a["line"]) for a in change["introducedAlerts"]}
    assert ("newCapabilityInPatch", "package.json", 7) in introduced
    assert ("installScripts", "package.json", 7) in introduced
    assert change["versionDiff"]["change"] == "patch"
    assert change["versionDiff"]["files"]["added"] == ["setup.js"]
    assert change["verdict"] == "warn" and code == 1
    assert change["advice"] == {
        "action": "review",
        "text": change["advice"]["text"],
        "safeVersion": "1.0.0",
    }


def test_alerts_the_old_version_had_are_not_introduced(
    npm: FixtureRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scripts = {"postinstall": "node setup.js"}
    versions = []
    for version in ("1.0.0", "1.0.1"):
        files = benign_files("scripted", version, scripts=scripts)
        files["setup.js"] = b"console.log('configured');\n"
        versions.append(npm.publish("scripted", version, files))
    old = write(tmp_path / "a" / "package-lock.json", package_lock(versions[:1]))
    new = write(tmp_path / "b" / "package-lock.json", package_lock(versions[1:]))
    code, report = run_json(capsys, str(old), str(new), "--fail-on", "warn")
    change = by_name(report)["scripted"]
    assert "installScripts" in {a["type"] for a in change["package"]["alerts"]}
    assert change["introducedAlerts"] == []
    assert change["verdict"] == "pass" and code == 0


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def init_repo(repo: Path) -> None:
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "dev@example.invalid")
    git(repo, "config", "user.name", "Dev")


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def test_git_refs_block_on_an_added_stealer(
    npm: FixtureRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    init_repo(repo)
    keep = npm.publish("keep-me", "1.0.0", benign_files("keep-me", "1.0.0"))
    write(repo / "package-lock.json", package_lock([keep]))
    base = commit(repo, "base")
    evil = npm.publish("evil-helper", "1.0.1", stealer_files("evil-helper", "1.0.1"))
    write(repo / "package-lock.json", package_lock([keep, evil]))
    commit(repo, "add a dependency")
    write(repo / "package-lock.json", "{ not json")  # the work tree is never read
    code, report = run_json(capsys, "--base", base, "--head", "HEAD", str(repo))
    [change] = report["changes"]
    assert (change["name"], change["kind"], change["verdict"]) == ("evil-helper", "added", "block")
    assert "dataExfiltration" in {a["type"] for a in change["introducedAlerts"]}
    assert change["advice"]["action"] == "remove"
    assert change["lockfile"] == "package-lock.json" and change["direct"] is True
    assert code == 1
    assert not npm.fetched("keep-me")


def test_markdown_comment_names_the_package_and_its_path(
    npm: FixtureRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = npm.publish("evil-helper", "1.0.1", stealer_files("evil-helper", "1.0.1"))
    old = write(tmp_path / "a" / "package-lock.json", package_lock([]))
    new = write(tmp_path / "b" / "package-lock.json", package_lock([evil]))
    code = main(["pr", str(old), str(new), "--format", "markdown"])
    text = capsys.readouterr().out
    assert code == 1
    assert text.startswith("<!-- depshield -->\n## depshield: **BLOCK**")
    assert "| `evil-helper` (npm) | added `1.0.1` | direct | **BLOCK** |" in text
    assert "`dataExfiltration`" in text and "**Advice:** Do not merge" in text


def test_sarif_holds_only_introduced_alerts(
    npm: FixtureRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = npm.publish("evil-helper", "1.0.1", stealer_files("evil-helper", "1.0.1"))
    old = write(tmp_path / "a" / "package-lock.json", package_lock([]))
    new = write(tmp_path / "b" / "package-lock.json", package_lock([evil]))
    main(["pr", str(old), str(new), "--format", "sarif"])
    sarif = json.loads(capsys.readouterr().out)
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"dataExfiltration", "installScripts"}
    location = results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "package-lock.json"


def test_local_file_dependency_is_read_from_the_head_commit(
    npm: FixtureRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    init_repo(repo)
    write(repo / "package-lock.json", package_lock([]))
    base = commit(repo, "base")
    for name, data in stealer_files("local-tools", "0.0.1").items():
        write(repo / "tools" / name, data.decode())
    lock = json.loads(package_lock([]))
    lock["packages"][""]["dependencies"] = {"local-tools": "file:tools"}
    lock["packages"]["node_modules/local-tools"] = {"resolved": "tools", "link": True}
    lock["packages"]["tools"] = {"name": "local-tools", "version": "0.0.1"}
    write(repo / "package-lock.json", json.dumps(lock, indent=2))
    commit(repo, "add a local package")
    (repo / "tools" / "collect.js").write_text("// harmless in the work tree\n")
    code, report = run_json(capsys, "--base", base, "--head", "HEAD", str(repo))
    change = by_name(report)["local-tools"]
    assert change["kind"] == "added" and change["source"] == "link"
    assert "dataExfiltration" in {a["type"] for a in change["introducedAlerts"]}
    assert code == 1


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pr"]) == 2
    assert "give --base REF" in capsys.readouterr().err
    assert main(["pr", str(tmp_path / "nope.json"), str(tmp_path / "x.json")]) == 2
    assert main(["pr", "--base", "main", str(tmp_path)]) == 2  # not a git repository


def test_local_package_changed_under_the_same_version(
    npm: FixtureRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    init_repo(repo)
    files = benign_files("local-tools", "0.0.1")
    for name, data in files.items():
        write(repo / "tools" / name, data.decode())
    lock = json.loads(package_lock([]))
    lock["packages"][""]["dependencies"] = {"local-tools": "file:tools"}
    lock["packages"]["node_modules/local-tools"] = {"resolved": "tools", "link": True}
    lock["packages"]["tools"] = {"name": "local-tools", "version": "0.0.1"}
    write(repo / "package-lock.json", json.dumps(lock, indent=2))
    base = commit(repo, "a local package")
    stealer = stealer_files("local-tools", "0.0.1")
    for name, data in stealer.items():
        write(repo / "tools" / name, data.decode())
    commit(repo, "same version, new code")
    code, report = run_json(capsys, "--base", base, "--head", "HEAD", str(repo))
    [change] = report["changes"]
    assert (change["name"], change["kind"]) == ("local-tools", "changed")
    assert "dataExfiltration" in {a["type"] for a in change["introducedAlerts"]}
    assert code == 1
    # Unchanged folder: no change at all.
    code, report = run_json(capsys, "--base", "HEAD", "--head", "HEAD", str(repo))
    assert report["changes"] == [] and code == 0


def test_two_project_folders(
    npm: FixtureRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old_pkg = npm.publish("lib", "2.0.0", benign_files("lib", "2.0.0"))
    new_pkg = npm.publish("lib", "1.9.0", benign_files("lib", "1.9.0"))
    write(tmp_path / "before" / "package-lock.json", package_lock([old_pkg]))
    write(tmp_path / "after" / "package-lock.json", package_lock([new_pkg]))
    code, report = run_json(capsys, str(tmp_path / "before"), str(tmp_path / "after"))
    [change] = report["changes"]
    assert (change["kind"], change["from"], change["to"]) == ("downgraded", "2.0.0", "1.9.0")
    assert change["versionDiff"]["change"] == "downgrade"
    assert code == 0


def test_base_lockfile_under_another_name_is_read_by_its_content(
    npm: FixtureRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12: `pr old-lock.json new/package-lock.json` read the base as empty (all added)."""
    keep = npm.publish("keep-me", "1.0.0", benign_files("keep-me", "1.0.0"))
    added = npm.publish("fresh", "0.1.0", benign_files("fresh", "0.1.0"))
    old = write(tmp_path / "old-lock.json", package_lock([keep]))
    new = write(tmp_path / "new" / "package-lock.json", package_lock([keep, added]))
    code, report = run_json(capsys, str(old), str(new))
    assert code == 0
    assert {n: c["kind"] for n, c in by_name(report).items()} == {"fresh": "added"}


def test_base_file_of_no_known_format_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = write(tmp_path / "notes.txt", "this is not a lockfile at all\n")
    new = write(tmp_path / "new" / "package-lock.json", '{"lockfileVersion": 3, "packages": {}}')
    assert main(["pr", str(old), str(new)]) == 2
    out, err = capsys.readouterr()
    first, tip = err.splitlines()
    assert first == (
        f"depshield: error: cannot tell which lockfile format {str(old)!r} is: not by its "
        "name, not by its content"
    )
    assert tip.startswith("Tip: pass the file under its tool's name (package-lock.json")
    assert out == ""


def test_a_lockfile_with_conflict_markers_is_exit_2_never_a_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12: a pull request whose lockfile holds merge-conflict markers was not checked."""
    old = write(
        tmp_path / "old" / "yarn.lock", '# yarn lockfile v1\n\nx@^1.0.0:\n  version "1.0.0"\n'
    )
    new = write(
        tmp_path / "new" / "yarn.lock",
        '# yarn lockfile v1\n\n<<<<<<< HEAD\nx@^1.0.0:\n  version "1.0.0"\n=======\n'
        'x@^1.0.0:\n  version "1.1.0"\n>>>>>>> other\n',
    )
    assert main(["pr", str(old), str(new), "--offline"]) == 2
    err = capsys.readouterr().err
    first, tip = err.splitlines()
    assert first.startswith("depshield: error: cannot parse ") and "yarn.lock:3" in first
    assert "merge-conflict marker" in first and tip.startswith("Tip: ")


def test_markdown_comment_leads_with_what_blocks_and_folds_passes(
    npm: FixtureRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = npm.publish("evil-helper", "1.0.1", stealer_files("evil-helper", "1.0.1"))
    fine = [npm.publish(f"fine-{i}", "1.0.0", benign_files(f"fine-{i}", "1.0.0")) for i in range(3)]
    old = write(tmp_path / "a" / "package-lock.json", package_lock([]))
    new = write(tmp_path / "b" / "package-lock.json", package_lock([*fine, evil]))
    assert main(["pr", str(old), str(new), "--format", "markdown"]) == 1
    text = capsys.readouterr().out
    blocking = text.index("| `evil-helper` (npm) | added `1.0.1` | direct | **BLOCK** |")
    folded = text.index("<summary>3 changes pass</summary>")
    assert blocking < folded  # the blocking change leads, the passes are folded after it
    assert text.count("| `fine-") == 3 and text.index("| `fine-0`") > folded
