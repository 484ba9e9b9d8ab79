"""A CI gate never passes what it did not check (issue 12): broken lockfiles exit 2 with the
other lockfiles still reported, packages not analysed exit 6 with one summary line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support.registry_server import isolate_env

from depshield.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
YARN_CONFLICT = (
    '# yarn lockfile v1\n\n<<<<<<< HEAD\nleft-pad@^1.0.0:\n  version "1.3.0"\n=======\n'
    'left-pad@^1.0.0:\n  version "1.2.0"\n>>>>>>> other\n'
)
BROKEN = {
    "truncated": ("package-lock.json", '{\n  "lockfileVersion": 3,\n  "packages": {\n', 4),
    "conflict": ("yarn.lock", YARN_CONFLICT, 3),
    "version99": ("package-lock.json", '{"lockfileVersion": 99, "packages": {}}\n', 1),
    "requirements": ("requirements.txt", "flask==2.0.0\nrequests=>2.0\n", 2),
}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate_env(monkeypatch, tmp_path)
    monkeypatch.delenv("CI", raising=False)
    return tmp_path


def _good_project(root: Path) -> Path:
    """A lockfile whose one dependency is a linked local folder (the inert example stealer):
    analysed from disk, no registry needed, and it blocks."""
    # Inside the scanned folder, as in examples/demo-app (a `file:` path leaving it is refused).
    shutil.copytree(EXAMPLES / "demo-app" / "npm-credential-stealer", root / "stealer")
    app = root / "app"
    app.mkdir(parents=True)
    deps = {"example-credential-stealer": "file:../stealer"}
    lock = {
        "name": "app",
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "app", "dependencies": deps},
            "../stealer": {"name": "example-credential-stealer", "version": "1.0.1"},
            "node_modules/example-credential-stealer": {"resolved": "../stealer", "link": True},
        },
    }
    (app / "package-lock.json").write_text(json.dumps(lock, indent=2))
    return root


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_lockfile_alone_exits_2_on_stderr_naming_file(env, capsys, case) -> None:
    name, text, line = BROKEN[case]
    project = env / "p"
    project.mkdir()
    (project / name).write_text(text)
    code = main(["scan", str(project), "--offline"])
    out, err = capsys.readouterr()
    assert code == 2
    first = err.splitlines()[0]
    assert first.startswith(f"depshield: error: cannot parse {name}:{line}: ")
    assert err.splitlines()[1].startswith("Tip: ")
    assert "cannot parse" not in out  # the report says "not read: FILE"; the error is stderr's
    assert f"not read: {name}" in out
    assert "Traceback" not in out + err


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_lockfile_beside_a_good_one_keeps_its_results(env, capsys, case) -> None:
    name, text, line = BROKEN[case]
    project = _good_project(env / "p")
    (project / "web").mkdir()
    (project / "web" / name).write_text(text)
    code = main(["scan", str(project), "--offline", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 2  # not 1 (the block) and never 0: a file went unchecked
    report = json.loads(out)
    verdicts = {p["name"]: p["verdict"] for p in report["packages"]}
    assert verdicts == {"example-credential-stealer": "block"}
    # The linked folder is inside the scanned root, so its own manifest is read too.
    assert report["project"]["lockfiles"] == ["app/package-lock.json", "stealer/package.json"]
    assert report["complete"] is False
    [problem] = report["inputErrors"]
    assert problem["file"] == f"web/{name}" and problem["line"] == line and problem["tip"]
    assert problem["message"].startswith("cannot parse ")
    assert err.count("depshield: error:") == 1 and f"{name}:{line}" in err


def test_broken_lockfile_sarif_says_execution_failed_and_names_file(env, capsys) -> None:
    project = _good_project(env / "p")
    (project / "web").mkdir()
    (project / "web" / "package-lock.json").write_text('{"lockfileVersion": 99}\n')
    code = main(["scan", str(project), "--offline", "--format", "sarif"])
    out, err = capsys.readouterr()
    assert code == 2 and "lockfileVersion 99" in err
    run = json.loads(out)["runs"][0]
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is False
    [notice] = [n for n in invocation["toolExecutionNotifications"] if n["level"] == "error"]
    assert "unsupported lockfileVersion 99" in notice["message"]["text"]
    where = notice["locations"][0]["physicalLocation"]["artifactLocation"]
    assert where == {"uri": "web/package-lock.json", "uriBaseId": "%SRCROOT%"}
    assert any(r["ruleId"] == "dataExfiltration" for r in run["results"])  # still reported


def _offline_project(root: Path, count: int) -> Path:
    root.mkdir()
    lines = [f"pkg-{i}==1.0.{i}" for i in range(count)]
    (root / "requirements.txt").write_text("\n".join(lines) + "\n")
    return root


def test_offline_empty_cache_exits_6_with_one_summary_line(env, capsys) -> None:
    project = _offline_project(env / "p", 411)
    code = main(["scan", str(project), "--offline"])
    out, err = capsys.readouterr()
    assert code == 6
    assert err.splitlines() == [
        "depshield: 411 packages not analysed: offline and not in the cache. "
        "Tip: scan once without --offline to fill the cache, then --offline works"
    ]
    assert "411 packages not analysed: offline and not in the cache" in out
    assert "pkg-7" not in out  # one line, not a block per package
    assert len(out.splitlines()) < 10


def test_offline_not_analysed_json_lists_each_package(env, capsys) -> None:
    project = _offline_project(env / "p", 3)
    assert main(["scan", str(project), "--offline", "--format", "json"]) == 6
    report = json.loads(capsys.readouterr().out)
    assert report["complete"] is False and report["inputErrors"] == []
    assert sorted(p["skipped"] for p in report["packages"]) == [
        f"pkg-{i}@1.0.{i}: offline and not in the cache" for i in range(3)
    ]


def test_findings_outrank_not_analysed(env, capsys) -> None:
    project = _good_project(env / "p")
    (project / "requirements.txt").write_text("pkg-a==1.0.0\n")
    assert main(["scan", str(project), "--offline"]) == 1
    assert "1 package not analysed: offline and not in the cache" in capsys.readouterr().err


def test_everything_analysed_is_a_clean_exit(env, capsys) -> None:
    project = _good_project(env / "p")
    assert main(["scan", str(project), "--offline", "--fail-on", "never"]) == 0
    assert "not analysed" not in capsys.readouterr().err
