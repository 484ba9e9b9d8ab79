"""Markdown PR comment: verdict heading, risk table, safe details, the GitHub size cap."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from markdown_it import MarkdownIt

from depshield.reports.base import Report
from depshield.reports.formats import renderer
from depshield.reports.markdown import LIMIT, render

GITHUB_MAX = 65_536


def to_html(text: str) -> str:
    """Render like GitHub would (CommonMark + tables), to check what a reader really sees."""
    return MarkdownIt("commonmark").enable("table").render(text)


def table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]


def cells(row: str) -> int:
    return len(re.findall(r"(?<!\\)\|", row)) - 1


def details_blocks(text: str) -> list[str]:
    return re.findall(r"^<details>\n.*?^</details>$", text, flags=re.S | re.M)


def test_registered_as_a_format(scan_report: Report) -> None:
    assert renderer("markdown")(scan_report) == render(scan_report)


def test_heading_states_the_verdict_and_counts(scan_report: Report) -> None:
    text = render(scan_report)
    first = text.splitlines()[0]
    assert first.startswith("## depshield: **BLOCK**")
    assert "9 packages checked: 2 blocked, 1 with warnings, 6 passed (1 not analysed)." in text
    assert "Alerts: 10 (3 critical, 2 high, 4 middle, 1 low)." in text
    assert "`services/api/package-lock.json`" in text


def test_a_clean_report_says_so(package_report: Report) -> None:
    clean = replace(package_report.packages[0], verdict="pass", alerts=())
    text = render(Report(packages=[clean]))
    assert text.startswith("## depshield: pass, no blocking issues")
    assert "1 package passed with no visible alerts." in text
    assert "<details>" not in text and "| Package |" not in text


def test_table_lists_risky_packages_worst_first(scan_report: Report) -> None:
    rows = table_rows(render(scan_report))
    header, *body = rows
    names = [re.search(r"`([^`]+)`", row).group(1) for row in body]  # type: ignore[union-attr]
    # What blocks or warns leads; a skipped package is listed; passes with alerts are folded.
    assert names == ["requestz", "@evil/stealer", "left-padx", "broken-pkg"]
    assert all(cells(row) == cells(header) == 9 for row in rows)
    assert "| **BLOCK** | 3 | 90 | 80 | 100 | 100 | 3 |" in body[0]
    assert "pass (skipped)" in body[-1]


def test_clean_packages_are_one_line(scan_report: Report) -> None:
    text = render(scan_report)
    assert "3 packages passed with no visible alerts." in text
    for name in ("express", "body-parser"):
        assert f"`{name}`" not in text.split("Introduced by")[0]  # not in the table


def test_details_show_alerts_paths_and_suggestions(scan_report: Report) -> None:
    text = render(scan_report)
    blocks = details_blocks(text)
    lines = text.splitlines()
    assert len(blocks) == 5 == lines.count("<details>") == lines.count("</details>")
    folded = blocks[-1]
    assert "<summary>2 passing packages with alerts below warn</summary>" in folded
    assert "- `urllib3@2.2.1` (pypi): `mildCVE`" in folded
    assert "- `requests@2.32.3` (pypi): `networkAccess`" in folded
    evil = next(b for b in blocks if "@evil/stealer@1.0.3" in b)
    assert "**critical** `dataExfiltration` Data exfiltration at `index.js:12`" in evil
    assert "Evidence: `https.request('https://collect.example.invalid/k'" in evil
    assert "Suggestion: Code sends secrets or host data to the network; do not install." in evil
    assert "- `@evil/stealer` (`package-lock.json:40`)" in evil
    assert "envVars" not in evil  # ignored by the policy
    assert "envVars" in render(replace(scan_report, show_all=True))
    padx = next(b for b in blocks if "left-padx@2.0.0" in b)
    assert "`express > body-parser > qs > left-padx` (`package-lock.json:131`)" in padx


def test_hostile_evidence_stays_inside_its_code_span(scan_report: Report, hostile: str) -> None:
    text = render(scan_report)
    html = to_html(text)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "\u202e" not in text and "\\u202e" in text  # bidi override shown, not applied
    # The fake </details> in the evidence neither closes nor opens a block.
    assert html.count("<details>") == html.count("</details>") == 5
    code = re.findall(r"<code>(.*?)</code>", html, flags=re.S)
    assert any("window.__pwned=2" in c and "\\u202egnp.exe next" in c for c in code)


def test_names_cannot_mention_users_or_break_the_table(scan_report: Report) -> None:
    odd = replace(
        scan_report.packages[1],
        ref=replace(scan_report.packages[1].ref, name="a|b`c", version="1.0.0|x"),
    )
    text = render(Report(packages=[odd]))
    header, row = table_rows(text)
    assert cells(row) == cells(header)
    html = to_html(text)
    assert "<code>a|b`c</code>" in html.replace("\\|", "|")
    assert "<code>@evil/stealer@1.0.3</code>" in render(scan_report)


def test_package_report_has_no_paths(package_report: Report) -> None:
    text = render(package_report)
    assert "Introduced by" not in text and "Lockfiles" not in text
    assert "1 package checked: 1 blocked" in text


def test_same_text_whatever_the_input_order(
    scan_report: Report, shuffle: Callable[[Report, int], Report]
) -> None:
    assert render(shuffle(scan_report, 3)) == render(scan_report)


def test_two_thousand_packages_are_capped_cleanly(big_report: Callable[[int], Report]) -> None:
    report = big_report(2000)
    text = render(report)
    assert len(text) <= LIMIT < GITHUB_MAX
    rows = table_rows(text)[1:]
    blocks = details_blocks(text)
    assert 20 < len(rows) == len(blocks) - 1 < 2000  # the last block: the folded passes
    hidden = 1500 - len(rows)  # 1500 block or warn; the 500 passes are folded
    assert "<summary>500 passing packages with alerts below warn</summary>" in blocks[-1]
    assert "more (see the full report)" in blocks[-1]
    assert f"**{hidden} more packages not shown**" in text
    assert "see the full report" in text
    assert text.count("<details>") == text.count("</details>") == len(blocks)
    assert all(cells(row) == 9 for row in rows)
    assert "1 package passed with no visible alerts." in text
    assert text.rstrip().endswith("<sub>depshield 0.1.0</sub>")
    # Worst first: every blocked package that fits comes before any warning.
    verdicts = [("BLOCK" in r) for r in rows]
    assert verdicts == sorted(verdicts, reverse=True)


def test_a_tight_cap_never_cuts_inside_a_block(big_report: Callable[[int], Report]) -> None:
    report = big_report(40)
    for limit in (2_000, 5_000, 9_000):
        text = render(report, limit=limit)
        assert len(text) <= limit
        rows, blocks = table_rows(text)[1:], details_blocks(text)
        assert len(rows) == len(blocks) - 1  # and the folded passes
        assert text.count("<details>") == len(blocks)
        assert f"**{30 - len(rows)} more packages not shown**" in text


def test_many_alerts_in_one_package_are_counted_not_listed(package_report: Report) -> None:
    package = package_report.packages[0]
    many = replace(package, alerts=tuple(replace(package.alerts[0], line=i) for i in range(100)))
    text = render(Report(packages=[many]))
    assert text.count("`dataExfiltration`") == 40
    assert "and 60 more alerts (see the full report)" in text
