"""SARIF that lands right in GitHub code scanning (issue 12): repository-relative URIs with
%SRCROOT% defined, rules with helpUri and help.markdown, a fitting security-severity table,
warn+ results by default, and GitHub's documented upload limits with a truncation that says so."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from test_sarif import results_of, sarif, validate

from depshield.alerts.catalog import CATALOG
from depshield.model import Alert, PackageRef, PackageResult, Scores
from depshield.reports import sarif_limits
from depshield.reports.base import InputError, Occurrence, Report
from depshield.reports.sarif_rules import SECURITY_SEVERITY, security_severity

DOCS_URL = "https://docs.example.invalid/depshield/alerts"

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sarif.md"


def _bucket(score: str) -> str:
    """GitHub's reading of security-severity."""
    value = float(score)
    return "critical" if value >= 9 else "high" if value >= 7 else "medium" if value >= 4 else "low"


def test_every_catalog_type_has_a_security_severity() -> None:
    assert set(CATALOG) <= set(SECURITY_SEVERITY)
    assert all(0.0 <= v <= 10.0 for v in SECURITY_SEVERITY.values())


def test_security_severity_fits_what_the_finding_means() -> None:
    assert _bucket(security_severity("malware", "supplyChainRisk", "critical")) == "critical"
    assert _bucket(security_severity("dataExfiltration", "supplyChainRisk", "critical")) == (
        "critical"
    )
    # An optional require of a missing wasi file (a quality finding) is not Critical.
    assert _bucket(security_severity("unresolvedRequire", "quality", "critical")) == "low"
    assert _bucket(security_severity("invalidPackageJSON", "quality", "critical")) == "low"
    # A capability most good packages have is not Medium.
    assert _bucket(security_severity("networkAccess", "supplyChainRisk", "middle")) == "low"
    # A type the table does not know: by severity, never above low outside security.
    assert security_severity("pluginType", "supplyChainRisk", "high") == "7.0"
    assert security_severity("pluginType", "license", "critical") == "3.0"


def test_the_documented_table_is_the_code_table() -> None:
    documented = dict(re.findall(r"^\| `(\w+)` \| ([0-9.]+) \|", DOCS.read_text(), re.M))
    assert documented == {k: f"{v:.1f}" for k, v in SECURITY_SEVERITY.items()}


def test_rules_carry_help_uri_and_markdown_from_the_catalog(scan_report, monkeypatch) -> None:
    monkeypatch.setenv("DEPSHIELD_DOCS_URL", DOCS_URL)
    rules = sarif(scan_report)["runs"][0]["tool"]["driver"]["rules"]
    assert rules
    for rule in rules:
        entry = CATALOG[rule["id"]]
        assert rule["helpUri"].startswith(DOCS_URL + "#")
        assert rule["help"]["text"] == entry.suggestion
        assert rule["help"]["markdown"].startswith(f"**{entry.title}** (`{rule['id']}`")
        assert f"]({rule['helpUri']})" in rule["help"]["markdown"]
    exfil = next(r for r in rules if r["id"] == "dataExfiltration")
    assert exfil["helpUri"].endswith("#supply-chain-risk")


def test_no_help_uri_is_invented_without_a_documentation_address(scan_report, monkeypatch) -> None:
    monkeypatch.delenv("DEPSHIELD_DOCS_URL", raising=False)
    rules = sarif(scan_report)["runs"][0]["tool"]["driver"]["rules"]
    assert rules and all("helpUri" not in rule for rule in rules)
    assert all("`depshield alerts`" in rule["help"]["markdown"] for rule in rules)


def test_help_uri_follows_the_documentation_mirror(scan_report, monkeypatch) -> None:
    monkeypatch.setenv("DEPSHIELD_DOCS_URL", "https://docs.example.invalid/alerts")
    rule = sarif(scan_report)["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["helpUri"].startswith("https://docs.example.invalid/alerts#")


def test_only_warn_and_block_results_by_default(scan_report: Report, schemas: Path) -> None:
    default = results_of(sarif(scan_report))
    assert {r["level"] for r in default} == {"error", "warning"}
    every = sarif(replace(scan_report, show_all=True))
    validate(every, schemas)
    assert {r["level"] for r in results_of(every)} == {"error", "warning", "note"}
    # Worst first: what GitHub's result limit keeps.
    assert [r["level"] for r in default] == sorted(
        (r["level"] for r in default), key=["error", "warning"].index
    )


def test_monorepo_uris_are_relative_to_the_repository_root(
    scan_report: Report, schemas: Path
) -> None:
    report = replace(scan_report, repo_root="/src/mono", repo_prefix="services/web/")
    document = sarif(report)
    validate(document, schemas)
    run = document["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///src/mono/"
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in run["results"]
        for loc in r["locations"]
    }
    assert uris == {"services/web/package-lock.json", "services/web/requirements.txt"}
    assert all(
        loc["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        for r in run["results"]
        for loc in r["locations"]
    )


def test_scan_in_a_git_subfolder_names_files_from_the_repository_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from support.registry_server import isolate_env

    from depshield.cli.main import main

    isolate_env(monkeypatch, tmp_path)
    repo = tmp_path / "repo"
    web = repo / "apps" / "web"
    web.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (web / "package-lock.json").write_text('{"lockfileVersion": 99}\n')
    assert main(["scan", str(web), "--offline", "--format", "sarif"]) == 2
    run = json.loads(capsys.readouterr().out)["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    [notice] = run["invocations"][0]["toolExecutionNotifications"]
    where = notice["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "apps/web/package-lock.json"
    assert where["region"] == {"startLine": 1}


def test_input_errors_fail_the_invocation(scan_report: Report, schemas: Path) -> None:
    problem = InputError("web/yarn.lock", "cannot parse web/yarn.lock:3: conflict", "fix it", 3)
    report = replace(scan_report, input_errors=[problem], errors=[str(problem)])
    document = sarif(report)
    validate(document, schemas)
    [invocation] = document["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [notice] = invocation["toolExecutionNotifications"][:1]
    assert notice["level"] == "error" and "web/yarn.lock:3" in notice["message"]["text"]
    assert sarif(scan_report)["runs"][0]["invocations"][0]["executionSuccessful"] is True


def _many(count: int, locations: int = 1) -> Report:
    """`count` blocked packages with one finding each, in `locations` lockfiles each."""
    alert = Alert(
        "dataExfiltration", "supplyChainRisk", "critical", "error", "Data exfiltration",
        "m", "index.js", 3, "https.request(x)",
    )  # fmt: skip
    warn = replace(alert, type="installScripts", action="warn", severity="high")
    packages, occurrences = [], {}
    for i in range(count):
        ref = PackageRef("npm", f"p{i}", "1.0.0")
        worst = alert if i % 2 else warn
        packages.append(PackageResult(ref, "block", Scores(), (), (worst,)))
        occurrences[ref.purl] = [
            Occurrence(f"w{j}/package-lock.json", 5, f"p{i}") for j in range(locations)
        ]
    return Report(packages=packages, root=".", occurrences=occurrences)


def _truncation(document: dict[str, Any]) -> list[str]:
    run = document["runs"][0]
    notes = run["invocations"][0].get("toolExecutionNotifications", [])
    return [n["message"]["text"] for n in notes if n["level"] == "warning"]


def test_results_beyond_githubs_limit_are_left_out_and_said(monkeypatch, schemas) -> None:
    monkeypatch.setattr(sarif_limits, "MAX_RESULTS", 50)  # 25,000 in production
    document = sarif(_many(80))
    validate(document, schemas)
    results = results_of(document)
    assert len(results) == 50
    levels = [r["level"] for r in results]  # 40 blocking and 40 warning results went in
    assert levels == ["error"] * 40 + ["warning"] * 10  # the blocking ones are kept first
    [said] = _truncation(document)
    assert said.startswith("30 results left out: GitHub code scanning accepts at most 50 per run")
    assert document["runs"][0]["properties"]["truncated"] == [said]


def test_locations_per_result_are_capped(monkeypatch) -> None:
    monkeypatch.setattr(sarif_limits, "MAX_LOCATIONS", 4)  # 1,000 in production
    document = sarif(_many(2, locations=9))
    assert all(len(r["locations"]) == 4 for r in results_of(document))
    assert _truncation(document) == ["2 results keep only their first 4 locations"]


def test_the_compressed_size_limit_is_kept(schemas) -> None:
    document = sarif(_many(600))
    full = sarif_limits.gzip_size(document)
    small = sarif_limits.fit(json.loads(json.dumps(document)), max_gzip=full // 2 + 4096)
    validate(small, schemas)
    assert sarif_limits.gzip_size(small) <= full // 2 + 4096
    kept = len(results_of(small))
    assert 0 < kept < 600
    [said] = _truncation(small)
    assert said.startswith(f"{600 - kept} results left out: GitHub code scanning accepts at most")


def test_a_report_within_the_limits_is_untouched(scan_report: Report) -> None:
    document = sarif(scan_report)
    assert "properties" not in document["runs"][0]
    assert not _truncation(document)
    assert sarif_limits.gzip_size(document) < sarif_limits.MAX_GZIP_BYTES
    assert sarif_limits.MAX_RESULTS == 25_000 and sarif_limits.MAX_LOCATIONS == 1_000
