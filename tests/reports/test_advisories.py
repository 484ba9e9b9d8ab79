"""Known-vulnerability findings show their id, aliases, fix and link in every format, and SARIF
has one rule per advisory with its `helpUri`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from depshield.alerts.catalog import CATALOG
from depshield.model import Alert, PackageRef, PackageResult, Scores
from depshield.reports.base import Report
from depshield.reports.formats import renderer

jsonschema = pytest.importorskip("jsonschema")


def validate(document: dict[str, Any], schemas: Path) -> None:
    schema = json.loads((schemas / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    errors = sorted(cls(schema).iter_errors(document), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def alert(type_: str, evidence: str, props: dict[str, Any]) -> Alert:
    entry = CATALOG[type_]
    return Alert(
        type_,
        entry.category,
        entry.severity,
        entry.action,
        entry.title,
        entry.title,
        evidence=evidence,
        props=props,
    )


def result(eco: str, name: str, version: str, verdict: str, score: int, *alerts: Alert) -> Any:
    scores = Scores(supplyChain=score, overall=score)
    ref = PackageRef(eco, name, version)
    return PackageResult(ref, verdict, scores, (), alerts)  # type: ignore[arg-type]


URL = "https://advisories.example.invalid/advisories/GHSA-jf85-cpcp-j695"


def vuln(**over: object) -> object:
    props = {
        "id": "GHSA-jf85-cpcp-j695",
        "aliases": ["CVE-2019-10744", "NPM-1106913"],
        "cvss": 9.1,
        "range": "<4.17.12",
        "firstPatched": "4.17.12",
        "url": URL,
        "suggestion": "upgrade to 4.17.12",
        **over,
    }
    return alert("criticalCVE", evidence="Prototype Pollution in lodash", props=props)


def report(*alerts: object) -> Report:
    pkg = result("npm", "lodash", "4.17.4", "warn", 40, *alerts)  # type: ignore[arg-type]
    other = result("npm", "lodash", "4.17.5", "warn", 40, *alerts)  # type: ignore[arg-type]
    return Report([pkg, other])


def test_text_markdown_html_and_json_show_id_aliases_fix_and_link() -> None:
    r = report(vuln())
    text = renderer("text")(r)
    assert "GHSA-jf85-cpcp-j695 (CVE-2019-10744, NPM-1106913): upgrade to 4.17.12" in text
    assert URL in text
    markdown = renderer("markdown")(r)
    assert f"Advisory: [GHSA-jf85-cpcp-j695]({URL}) (`CVE-2019-10744`, `NPM-1106913`)" in markdown
    assert "upgrade to 4.17.12" in markdown
    html = renderer("html")(r)
    assert f'<a href="{URL}" rel="noopener noreferrer"><code>GHSA-jf85-cpcp-j695</code></a>' in html
    assert "CVE-2019-10744, NPM-1106913" in html and "upgrade to 4.17.12" in html
    props = json.loads(renderer("json")(r))["packages"][0]["alerts"][0]["props"]
    assert (props["id"], props["firstPatched"], props["url"]) == (
        "GHSA-jf85-cpcp-j695",
        "4.17.12",
        URL,
    )


def test_sarif_has_one_rule_per_advisory_with_help_uri(schemas: Path) -> None:
    other = vuln(id="GHSA-29mw-wpgm-hmr9", aliases=[], cvss=None, url=None, suggestion="x")
    document = json.loads(renderer("sarif")(report(vuln(), other)))
    validate(document, schemas)
    run = document["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert sorted(rules) == ["GHSA-29mw-wpgm-hmr9", "GHSA-jf85-cpcp-j695"]
    rule = rules["GHSA-jf85-cpcp-j695"]
    assert rule["helpUri"] == URL
    assert rule["properties"]["security-severity"] == "9.1"  # the advisory's own CVSS score
    assert rule["properties"]["aliases"] == ["CVE-2019-10744", "NPM-1106913"]
    assert "upgrade to 4.17.12" in rule["help"]["markdown"]
    assert "helpUri" not in rules["GHSA-29mw-wpgm-hmr9"]  # no link known: none invented
    hits = [x for x in run["results"] if x["ruleId"] == "GHSA-jf85-cpcp-j695"]
    assert len(hits) == 2  # both packages' results point at the one rule
    assert (
        "GHSA-jf85-cpcp-j695 (CVE-2019-10744, NPM-1106913): upgrade to 4.17.12"
        in (hits[0]["message"]["text"])
    )
    index = list(rules).index("GHSA-jf85-cpcp-j695")
    assert {x["ruleIndex"] for x in hits} == {index}


def test_a_hostile_advisory_url_is_never_a_link() -> None:
    bad = vuln(url="javascript:alert(1)//https://x.invalid")
    r = report(bad)
    assert "javascript:" not in renderer("markdown")(r)
    assert 'href="javascript' not in renderer("html")(r)
    rules = json.loads(renderer("sarif")(r))["runs"][0]["tool"]["driver"]["rules"]
    assert all("helpUri" not in rule for rule in rules)


def test_the_pr_comment_shows_the_advisory_of_a_new_vulnerability() -> None:
    from depshield.pr.changes import Change
    from depshield.pr.report import Assessed
    from depshield.reports.pr_markdown import _details

    found = vuln()
    change = Change(
        "added", "npm", "lodash", None, "4.17.4", True, False, "package-lock.json", 9, "lodash"
    )
    item = Assessed(change, result("npm", "lodash", "4.17.4", "warn", 40, found), (found,))  # type: ignore[arg-type]
    text = _details(item)
    assert f"Advisory: [GHSA-jf85-cpcp-j695]({URL}) (`CVE-2019-10744`, `NPM-1106913`)" in text
    assert "upgrade to 4.17.12" in text
