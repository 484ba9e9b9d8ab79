"""An empty or absent vulnerability database is said in every format, never shown as a
vulnerability score of 100 (issue 12)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support.registry_server import isolate_env

from depshield.cli.main import main
from depshield.model import Alert
from depshield.scoring import score
from depshield.vulns import match

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
OSV = Path(__file__).resolve().parents[1] / "fixtures" / "osv"


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate_env(monkeypatch, tmp_path)
    monkeypatch.delenv("CI", raising=False)
    match.reset_cache()
    folder = tmp_path / "pkg"
    shutil.copytree(EXAMPLES / "demo-app" / "npm-credential-stealer", folder)
    yield folder
    match.reset_cache()


def _run(capsys, *argv: str) -> tuple[int, str]:
    code = main(["package", *argv, "--offline"])
    return code, capsys.readouterr().out


def test_json_says_not_checked_and_the_score_is_null(package, capsys) -> None:
    _, out = _run(capsys, str(package), "--format", "json")
    report = json.loads(out)
    assert report["knownVulnerabilities"] == "not checked"
    [entry] = report["packages"]
    assert entry["scores"]["vulnerability"] is None
    assert entry["scores"]["overall"] == entry["scores"]["supplyChain"]  # over what was checked


def test_text_markdown_html_and_sarif_say_so(package, capsys) -> None:
    _, text = _run(capsys, str(package))
    assert "vulnerability not checked" in text and "vulnerability 100" not in text
    assert "known vulnerabilities: not checked" in text
    _, markdown = _run(capsys, str(package), "--format", "markdown")
    assert "Known vulnerabilities: not checked." in markdown
    assert "| not checked |" in markdown
    _, html = _run(capsys, str(package), "--format", "html")
    assert ">not checked</td>" in html
    _, sarif = _run(capsys, str(package), "--format", "sarif")
    notes = json.loads(sarif)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any(
        n["level"] == "warning" and n["message"]["text"].startswith("known vulnerabilities: not")
        for n in notes
    )


def test_with_a_database_the_score_is_a_number(package, capsys) -> None:
    assert main(["db", "import", str(OSV / "npm")]) == 0
    capsys.readouterr()
    _, out = _run(capsys, str(package), "--format", "json")
    report = json.loads(out)
    assert report["knownVulnerabilities"] == "checked"
    assert report["packages"][0]["scores"]["vulnerability"] == 100
    _, text = _run(capsys, str(package))
    assert "known vulnerabilities: not checked" not in text


def test_scan_summary_line_says_not_checked(package, capsys) -> None:
    project = package.parent
    (project / "app").mkdir()
    lock = {
        "name": "app",
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "app", "dependencies": {"example-credential-stealer": "file:../pkg"}},
            "../pkg": {"name": "example-credential-stealer", "version": "1.0.1"},
            "node_modules/example-credential-stealer": {"resolved": "../pkg", "link": True},
        },
    }
    # Scanned from the folder holding both: a `file:` path leaving the scanned root is refused.
    (project / "app" / "package-lock.json").write_text(json.dumps(lock))
    main(["scan", str(project), "--offline"])
    summary = capsys.readouterr().out.split("\n  ")[0].replace("\n", "")  # 110-column wrap
    assert summary.endswith("0 pass; known vulnerabilities: not checked"), summary
    main(["scan", str(project), "--offline", "--format", "cyclonedx"])
    bom = json.loads(capsys.readouterr().out)
    props = {p["name"]: p["value"] for c in bom["components"] for p in c.get("properties", ())}
    assert props["depshield:score:vulnerability"] == "not checked"


def test_overall_score_without_the_check_is_over_the_other_categories() -> None:
    cve = Alert("cve", "vulnerability", "high", "warn", "CVE", "m")
    checked = score([cve])
    assert checked.vulnerability == 65 and checked.overall == 65
    unchecked = score([], vulnerabilities_checked=False)
    assert unchecked.vulnerability is None and unchecked.overall == 100
    assert unchecked.to_json()["vulnerability"] is None
