"""SARIF 2.1.0 report: valid against the OASIS schema, GitHub-ready rules, stable fingerprints."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from depshield.reports.base import Occurrence, Report
from depshield.reports.formats import renderer
from depshield.reports.sarif import FINGERPRINT_KEY, render

jsonschema = pytest.importorskip("jsonschema")
FLAGGED = 5  # scan_report's alerts whose action is error or warn (SARIF's default)


@functools.cache
def validator(schemas: Path) -> Any:
    schema = json.loads((schemas / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def validate(document: dict[str, Any], schemas: Path) -> None:
    errors = sorted(validator(schemas).iter_errors(document), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def sarif(report: Report) -> dict[str, Any]:
    text = render(report)
    assert text.endswith("\n")
    document: dict[str, Any] = json.loads(text)
    return document


def results_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    runs = document["runs"]
    assert len(runs) == 1
    return list(runs[0]["results"])


def find(document: dict[str, Any], rule: str, purl: str) -> dict[str, Any]:
    found = [
        r for r in results_of(document) if r["ruleId"] == rule and r["properties"]["purl"] == purl
    ]
    assert len(found) == 1, found
    return found[0]


def test_registered_as_a_format(scan_report: Report) -> None:
    assert json.loads(renderer("sarif")(scan_report))["version"] == "2.1.0"


def test_scan_report_validates_against_the_official_schema(
    scan_report: Report, schemas: Path
) -> None:
    validate(sarif(scan_report), schemas)
    validate(sarif(replace(scan_report, show_all=True)), schemas)


def test_package_report_and_empty_report_validate(package_report: Report, schemas: Path) -> None:
    validate(sarif(package_report), schemas)
    empty = sarif(Report(packages=[]))
    validate(empty, schemas)
    assert results_of(empty) == []
    assert empty["runs"][0]["tool"]["driver"]["rules"] == []


def test_the_schema_rejects_a_broken_document(scan_report: Report, schemas: Path) -> None:
    # Guards the guard: the validator really checks (a region line must be >= 1).
    document = sarif(scan_report)
    location = results_of(document)[0]["locations"][0]["physicalLocation"]
    location["region"]["startLine"] = 0
    with pytest.raises(AssertionError, match="startLine|minimum"):
        validate(document, schemas)


def test_one_rule_per_alert_type_with_catalog_text(scan_report: Report) -> None:
    driver = sarif(scan_report)["runs"][0]["tool"]["driver"]
    assert driver["name"] == "depshield" and driver["version"]
    ids = [rule["id"] for rule in driver["rules"]]
    flagged = {
        a.type
        for p in scan_report.packages
        for a in scan_report.visible_alerts(p)
        if a.action in ("error", "warn")
    }
    assert ids == sorted(flagged)
    assert "networkAccess" not in ids  # monitor: only with --all
    assert "envVars" not in ids and "minifiedFile" not in ids  # action ignore: hidden
    rules = {rule["id"]: rule for rule in driver["rules"]}
    exfil = rules["dataExfiltration"]
    assert exfil["shortDescription"]["text"] == "Data exfiltration"
    assert exfil["help"]["text"].startswith("Code sends secrets or host data")
    assert exfil["properties"]["category"] == "supplyChainRisk"
    assert "security" in exfil["properties"]["tags"]
    severity = {k: r["properties"]["security-severity"] for k, r in rules.items()}
    assert severity["dataExfiltration"] == "9.6"
    assert severity["installScripts"] == "5.5"
    every = sarif(replace(scan_report, show_all=True))["runs"][0]["tool"]["driver"]["rules"]
    severity = {r["id"]: r["properties"]["security-severity"] for r in every}
    assert severity["networkAccess"] == "2.0"  # a capability good packages have: low
    assert severity["mildCVE"] == "2.0"
    results = results_of(sarif(scan_report))
    assert all(ids[r["ruleIndex"]] == r["ruleId"] for r in results)


def test_levels_follow_the_action(scan_report: Report) -> None:
    document = sarif(scan_report)
    evil = "pkg:npm/%40evil/stealer@1.0.3"
    assert find(document, "dataExfiltration", evil)["level"] == "error"
    assert find(document, "installScripts", evil)["level"] == "warning"
    assert not [r for r in results_of(document) if r["level"] == "note"]  # warn+ by default
    shown = sarif(replace(scan_report, show_all=True))
    assert find(shown, "networkAccess", evil)["level"] == "note"
    assert find(shown, "envVars", evil)["level"] == "note"


def test_one_result_per_package_and_warn_or_block_alert(scan_report: Report) -> None:
    flagged = sum(
        1
        for p in scan_report.packages
        for a in scan_report.visible_alerts(p)
        if a.action in ("error", "warn")
    )
    assert len(results_of(sarif(scan_report))) == flagged == FLAGGED
    every = sum(len(p.alerts) for p in scan_report.packages)
    assert len(results_of(sarif(replace(scan_report, show_all=True)))) == every


def test_scan_results_point_at_the_lockfile_line(scan_report: Report) -> None:
    document = sarif(replace(scan_report, show_all=True))
    result = find(document, "usesEval", "pkg:npm/left-padx@2.0.0")
    places = [
        (loc["physicalLocation"]["artifactLocation"], loc["physicalLocation"]["region"])
        for loc in result["locations"]
    ]
    assert places == [
        ({"uri": "package-lock.json", "uriBaseId": "%SRCROOT%"}, {"startLine": 88}),
        ({"uri": "package-lock.json", "uriBaseId": "%SRCROOT%"}, {"startLine": 131}),
    ]
    logical = result["locations"][0]["logicalLocations"][0]
    assert logical["name"] == "lib/x.js:4"
    message = result["message"]["text"]
    assert "left-padx@2.0.0" in message
    assert "@evil/stealer > left-padx" in message
    assert "express > body-parser > qs > left-padx" in message
    assert "\\u202e" in message and "\u202e" not in message  # bidi shown, not applied
    assert result["properties"]["introducedBy"] == [
        "@evil/stealer > left-padx",
        "express > body-parser > qs > left-padx",
    ]


def test_an_unknown_lockfile_line_gives_no_region(scan_report: Report) -> None:
    document = sarif(replace(scan_report, show_all=True))
    result = find(document, "minifiedFile", "pkg:npm/qs@6.11.0")
    by_uri = {
        loc["physicalLocation"]["artifactLocation"]["uri"]: loc["physicalLocation"]
        for loc in result["locations"]
    }
    assert by_uri["package-lock.json"]["region"] == {"startLine": 30}
    assert "region" not in by_uri["services/api/package-lock.json"]


def test_package_results_name_the_artifact_and_the_file_inside(package_report: Report) -> None:
    result = find(sarif(package_report), "dataExfiltration", "pkg:npm/%40evil/stealer@1.0.3")
    location = result["locations"][0]
    assert location["physicalLocation"] == {"artifactLocation": {"uri": "stealer-1.0.3.tgz"}}
    assert location["logicalLocations"][0]["name"] == "index.js:12"
    assert "collect.example.invalid" in result["message"]["text"]
    assert "Introduced by" not in result["message"]["text"]


def test_errors_and_notes_become_notifications(scan_report: Report) -> None:
    run = sarif(scan_report)["runs"][0]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["error", "note"]
    assert "broken-pkg" in notes[0]["message"]["text"]


def fingerprints(document: dict[str, Any]) -> dict[tuple[str, str, str], str]:
    return {
        (r["properties"]["purl"], r["ruleId"], r["properties"].get("file", "")): r[
            "partialFingerprints"
        ][FINGERPRINT_KEY]
        for r in results_of(document)
    }


def test_fingerprints_are_stable_whatever_the_input_order(
    scan_report: Report, shuffle: Callable[[Report, int], Report]
) -> None:
    first = render(scan_report)
    for seed in (1, 2, 3):
        assert render(shuffle(scan_report, seed)) == first
    prints = list(fingerprints(json.loads(first)).values())
    assert len(prints) == len(set(prints)) == FLAGGED
    assert all(len(p) == 64 for p in prints)


def test_fingerprints_ignore_lockfile_lines_but_not_evidence(scan_report: Report) -> None:
    before = fingerprints(sarif(scan_report))
    moved = {
        purl: [replace(o, line=o.line + 100, lockfile="moved/" + o.lockfile) for o in found]
        for purl, found in scan_report.occurrences.items()
    }
    assert fingerprints(sarif(replace(scan_report, occurrences=moved))) == before
    packages = [
        replace(p, alerts=tuple(replace(a, evidence=(a.evidence or "") + "!") for a in p.alerts))
        for p in scan_report.packages
    ]
    after = fingerprints(sarif(replace(scan_report, packages=packages)))
    assert after.keys() == before.keys()
    assert all(after[k] != before[k] for k in before)


def test_identical_findings_in_one_package_get_distinct_fingerprints(
    package_report: Report,
) -> None:
    package = package_report.packages[0]
    twice = replace(package, alerts=(package.alerts[0], replace(package.alerts[0], line=99)))
    results = results_of(sarif(Report(packages=[twice])))
    assert len({r["partialFingerprints"][FINGERPRINT_KEY] for r in results}) == 2


def test_lockfile_paths_are_relative_uri_references(scan_report: Report, schemas: Path) -> None:
    odd = {"pkg:npm/express@4.19.2": [Occurrence("web app/package-lock.json", 4, "express")]}
    packages = [p for p in scan_report.packages if p.ref.name == "express"]
    express = replace(packages[0], alerts=scan_report.packages[3].alerts)
    document = sarif(Report(packages=[express], root="/x", occurrences=odd, show_all=True))
    validate(document, schemas)
    uri = results_of(document)[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "web%20app/package-lock.json"
