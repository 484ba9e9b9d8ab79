"""Text and Markdown collapse capability alerts to one line per type with a count; JSON and
HTML keep every location."""

from __future__ import annotations

import json

from depshield.alerts.catalog import CATALOG
from depshield.model import Alert, PackageRef, PackageResult, Scores
from depshield.reports.base import Report
from depshield.reports.formats import renderer


def alert(type_: str, file: str, line: int, evidence: str = "x") -> Alert:
    entry = CATALOG[type_]
    action = "warn" if type_ == "installScripts" else "monitor"
    return Alert(
        type_,
        entry.category,
        entry.severity,
        action,
        entry.title,
        entry.title,
        file,
        line,
        evidence,
    )  # type: ignore[arg-type]


def report() -> Report:
    alerts = [alert("networkAccess", f"lib/m{i}.js", i + 1, "require('https')") for i in range(7)]
    alerts += [
        alert("filesystemAccess", "lib/fs.js", 3),
        alert("installScripts", "package.json", 5),
    ]
    pkg = PackageResult(PackageRef("npm", "demo", "1.0.0"), "warn", Scores(), (), tuple(alerts))
    return Report([pkg], show_all=True)


def test_text_shows_one_line_per_capability_with_a_count() -> None:
    text = renderer("text")(report())
    lines = [line for line in text.splitlines() if "networkAccess" in line]
    assert len(lines) == 1
    assert "7 places, first lib/m0.js:1" in lines[0]
    assert "lib/m3.js" not in text
    assert "filesystemAccess (monitor) lib/fs.js:3" in text  # a single one keeps its place
    assert "installScripts (warn) package.json:5" in text


def test_markdown_collapses_too() -> None:
    text = renderer("markdown")(report())
    assert text.count("`networkAccess`") == 1
    assert "Network access in 7 places, first `lib/m0.js:1`" in text


def test_json_and_html_keep_every_location() -> None:
    doc = json.loads(renderer("json")(report()))
    assert len([a for a in doc["packages"][0]["alerts"] if a["type"] == "networkAccess"]) == 7
    html = renderer("html")(report())
    assert all(f"lib/m{i}.js:{i + 1}" in html for i in range(7))
