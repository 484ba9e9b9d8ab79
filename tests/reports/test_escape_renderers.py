"""Every renderer over a package whose name, version, file, evidence and note are hostile."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from test_escape import HOSTILE, terminal_safe

from depshield.alerts.catalog import CATALOG
from depshield.model import Alert, PackageRef, PackageResult, Scores
from depshield.reports.base import Report
from depshield.reports.formats import renderer

PIECES = list("`|\\<>@[]()!#-_ab\n") + ["\x1b[1m", "\u202e", "<img src=x>", "<script>"]
NAMES = st.lists(st.sampled_from(PIECES), min_size=1).map("".join)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def report(text: str) -> Report:
    entry = CATALOG["usesEval"]
    bad = Alert(
        type="usesEval",
        category=entry.category,
        severity=entry.severity,
        action="warn",
        title=entry.title,
        message=entry.suggestion,
        file=f"lib/{text}.js",
        line=3,
        evidence=text,
    )
    scores = Scores(
        supplyChain=40, quality=90, maintenance=80, vulnerability=100, license=100, overall=40
    )
    package = PackageResult(
        PackageRef("npm", text, text),
        "warn",
        scores,
        alerts=(bad,),
        capabilities=(),
        digest="sha256-" + "ab" * 32,
        artifact=None,
        notes=(text,),
    )
    return Report(packages=[package], errors=[text])


@SETTINGS
@given(NAMES)
def test_markdown_table_keeps_one_row_per_package(text: str) -> None:
    html = MarkdownIt("commonmark").enable("table").render(renderer("markdown")(report(text)))
    table = html.split("<tbody>")[1].split("</tbody>")[0]
    assert table.count("<tr>") == 1  # the one package, no forged row
    assert table.count("<td") == html.split("<thead>")[1].count("<th")
    assert "<img" not in html and "<script" not in html


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seen: set[tuple[str, tuple[str, ...]]] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.add((tag, tuple(sorted(name for name, _ in attrs))))


def elements(page: str) -> set[tuple[str, tuple[str, ...]]]:
    parser = Elements()
    parser.feed(page)
    return parser.seen


@SETTINGS
@given(HOSTILE)
def test_html_report_holds_only_template_elements(text: str) -> None:
    page = renderer("html")(report(text))
    plain = renderer("html")(report("plain-name"))
    assert elements(page) <= elements(plain)
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S)
    # The package's text never lands raw in a script, unless the template's own code holds it.
    template_code = "".join(re.findall(r"<script[^>]*>(.*?)</script>", plain, flags=re.S))
    assert not text.strip() or text in template_code or all(text not in s for s in scripts)


@SETTINGS
@given(HOSTILE)
def test_terminal_report_has_no_escape_c1_or_bidi(text: str) -> None:
    out = renderer("text")(report(text))
    assert terminal_safe(out.replace("\n", ""))


@SETTINGS
@given(HOSTILE)
def test_sarif_strings_are_printable_and_uris_encoded(text: str) -> None:
    document = json.loads(renderer("sarif")(report(text)))
    for result in document["runs"][0]["results"]:
        assert terminal_safe(result["message"]["text"])
        for location in result.get("locations", []):
            uri = location["physicalLocation"]["artifactLocation"]["uri"]
            assert not re.search(r"[\s<>`|\\\x00-\x1f\x7f-\x9f\u202a-\u202e]", uri)
