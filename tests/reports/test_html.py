"""HTML report: self-contained, escaped, and working in a real headless Chromium."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from depshield.reports.base import Report
from depshield.reports.formats import renderer
from depshield.reports.html import render

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# --- the markup itself -------------------------------------------------------------------------


def test_registered_as_a_format(scan_report: Report) -> None:
    assert renderer("html")(scan_report) == render(scan_report)


def test_page_is_self_contained(scan_report: Report) -> None:
    page = render(scan_report)
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"<(link|iframe|object|embed|img|base)\b", page)
    assert not re.search(r"\b(src|href|action)=\"(?!#)", page)  # only in-page anchors
    assert "@import" not in page and "url(" not in page
    assert page.count("<script>") == 1 and page.count("<style>") == 1


def test_csp_allows_exactly_the_inline_script_and_style(scan_report: Report) -> None:
    page = render(scan_report)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp is not None
    policy = csp.group(1)
    assert "default-src 'none'" in policy
    for tag in ("script", "style"):
        body = re.search(rf"<{tag}>(.*?)</{tag}>", page, flags=re.S)
        assert body is not None
        digest = base64.b64encode(hashlib.sha256(body.group(1).encode()).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}'" in policy


def test_hostile_evidence_is_escaped_text(scan_report: Report, hostile: str) -> None:
    page = render(scan_report)
    assert "<script>window.__pwned" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;&lt;img src=x onerror=" in page
    assert "\u202e" not in page and "\\u202egnp.exe" in page


def test_hostile_names_and_paths_are_escaped(scan_report: Report) -> None:
    first = scan_report.packages[0]
    evil = replace(first, ref=replace(first.ref, name='"><svg onload=alert(1)>'))
    page = render(Report(packages=[evil], root="/p", edges=[("", evil.ref.purl)]))
    assert "<svg" not in page
    assert "&quot;&gt;&lt;svg onload=alert(1)&gt;" in page


def test_summary_and_rows(scan_report: Report) -> None:
    page = render(scan_report)
    counts = dict(re.findall(r'data-count="(\w+)"[^>]*><span class="n">(\d+)</span>', page))
    assert counts == {
        "packages": "9", "block": "2", "warn": "1", "pass": "6",
        "critical": "3", "high": "2", "middle": "4", "low": "1", "errors": "1",
    }  # fmt: skip
    assert page.count('<tbody class="pkg"') == 9
    assert "express &gt; body-parser &gt; qs &gt; left-padx" in page


def test_tree_visits_each_subtree_once_and_survives_cycles(scan_report: Report) -> None:
    page = render(scan_report)
    tree = page[page.index('<section id="tree">') :]
    assert tree.count("body-parser@1.20.2") == 2  # under express, then again under qs
    assert "(dependencies shown above)" in tree
    assert 'pkg:npm/dev-only@1.0.0</code> <span class="hint">(not in this report)' in tree


def test_package_report_has_no_tree_and_opens_its_details(package_report: Report) -> None:
    page = render(package_report)
    assert 'id="tree"' not in page
    assert "Introduced by" not in page
    assert '<tr class="detail"><td' in page and 'aria-expanded="true"' in page
    two = Report(packages=[*package_report.packages] * 2)
    assert '<tr class="detail" hidden>' in render(two)


def test_same_page_whatever_the_input_order(
    scan_report: Report, shuffle: Callable[[Report, int], Report]
) -> None:
    assert render(shuffle(scan_report, 5)) == render(scan_report)


# --- in a real browser -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Opened:
    """A page on the report file, with every request and console problem recorded."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.url = path.as_uri()
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.context = browser.new_context()
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))
        self.page.goto(self.url)

    def _route(self, route: Any) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            route.abort()

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"{message.type}: {message.text}")

    def visible_packages(self) -> list[str]:
        names: list[str] = self.page.eval_on_selector_all(
            "tbody.pkg:not([hidden]) tr.row td:nth-child(2)",
            "cells => cells.map(c => c.textContent)",
        )
        return names


@pytest.fixture
def opened(browser: Any, tmp_path: Path, scan_report: Report) -> Iterator[Opened]:
    path = tmp_path / "report.html"
    path.write_text(render(scan_report), encoding="utf-8")
    page = Opened(browser, path)
    yield page
    page.context.close()


def test_loads_nothing_and_logs_no_error(opened: Opened) -> None:
    opened.page.click("#p0 button.toggle")
    opened.page.click("text=Expand all")
    opened.page.wait_for_timeout(100)
    assert opened.requests == [opened.url]
    assert opened.problems == []


def test_summary_numbers_on_screen(opened: Opened) -> None:
    page = opened.page
    assert page.inner_text('[data-count="packages"] .n') == "9"
    assert page.inner_text('[data-count="block"] .n') == "2"
    assert page.inner_text('[data-count="critical"] .n') == "3"
    assert page.inner_text("#overall-verdict").lower() == "block"
    assert page.inner_text("#f-count") == "9 of 9 packages"


def test_filters_narrow_the_rows(opened: Opened) -> None:
    page = opened.page
    page.select_option("#f-severity", "critical")
    assert sorted(opened.visible_packages()) == ["@evil/stealer", "left-padx", "requestz"]
    assert page.inner_text("#f-count") == "3 of 9 packages"
    page.select_option("#f-ecosystem", "pypi")
    assert opened.visible_packages() == ["requestz"]
    page.click("#f-reset")
    page.select_option("#f-type", "installScripts")
    assert opened.visible_packages() == ["@evil/stealer"]
    page.click("#f-reset")
    page.fill("#f-text", "LEFT-pad")
    assert opened.visible_packages() == ["left-padx"]
    page.fill("#f-text", "no such package")
    assert opened.visible_packages() == []
    assert page.is_visible("#no-match")
    page.click("#f-reset")
    page.click('button[data-count="warn"]')  # the summary cards filter too
    assert opened.visible_packages() == ["left-padx"]


def test_sorting_by_a_score_column(opened: Opened) -> None:
    page = opened.page
    page.click('th[data-sort="overall"]')
    assert opened.visible_packages()[:2] == ["requestz", "@evil/stealer"]
    assert page.get_attribute('th[data-sort="overall"]', "aria-sort") == "ascending"
    page.click('th[data-sort="overall"]')
    assert opened.visible_packages()[0] == "broken-pkg"
    page.click('th[data-sort="name"]')
    assert opened.visible_packages()[0] == "@evil/stealer"


def test_details_show_hostile_evidence_as_inert_text(opened: Opened, hostile: str) -> None:
    page = opened.page
    body = page.locator("tbody.pkg", has_text="left-padx")
    detail = body.locator("tr.detail")
    assert not detail.is_visible()
    body.locator("button.toggle").click()
    assert detail.is_visible()
    text = detail.inner_text()
    assert "<script>window.__pwned=1</script><img src=x onerror=" in text
    assert "@evil/stealer > left-padx" in text
    assert page.evaluate("() => window.__pwned") is None
    assert page.evaluate("() => document.querySelectorAll('main script, main img').length") == 0
    assert opened.requests == [opened.url]


def test_tree_nodes_expand(opened: Opened) -> None:
    page = opened.page
    summary = page.locator("#tree summary", has_text="express@4.19.2")
    child = summary.locator("xpath=..").locator("a", has_text="body-parser@1.20.2").first
    assert not child.is_visible()
    summary.click()
    assert child.is_visible()
    detail = page.locator('tbody.pkg[data-name="body-parser"] tr.detail')
    assert not detail.is_visible()
    child.click()  # an in-page link: opens the package's row details
    detail.wait_for(state="visible", timeout=5_000)
    assert opened.requests == [opened.url] and opened.problems == []


def test_screenshot_renders(opened: Opened, tmp_path: Path) -> None:
    shot = opened.page.screenshot(full_page=True)
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 10_000
