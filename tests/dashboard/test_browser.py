"""The dashboard in the real Chromium (Debian's, driven by Playwright): pages render from a
store filled by real scans, links and filters work, and hostile names, file names and code are
neither executed nor able to break the layout, even on a phone-sized screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from filled_store import HOSTILE, HOSTILE_FILE, Filled
from pages_support import Live, service_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def store_url(tmp_path: Path) -> str:  # the browser reads the SQLite store (both are above)
    return f"sqlite:///{tmp_path / 'dashboard.sqlite3'}"


class Tab:
    """A page on the live dashboard; every request off it and every console problem recorded."""

    def __init__(self, browser: Any, base: str, viewport: dict[str, int] | None = None) -> None:
        self.base = base
        self.foreign: list[str] = []
        self.problems: list[str] = []
        self.context = browser.new_context(viewport=viewport or {"width": 1200, "height": 900})
        self.page = self.context.new_page()
        self.page.on("request", self._request)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))

    def _request(self, request: Any) -> None:
        if not request.url.startswith(self.base):
            self.foreign.append(request.url)

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"{message.type}: {message.text}")

    def open(self, path: str) -> Any:
        answer = self.page.goto(self.base + path)
        assert answer is not None and answer.status == 200, path
        return self.page

    def pwned(self) -> Any:
        return self.page.evaluate("() => window.__pwned")

    def fits(self) -> bool:
        return bool(self.page.evaluate(
            "() => document.documentElement.scrollWidth <= window.innerWidth + 1"
        ))  # fmt: skip


@pytest.fixture
def live(filled: Filled, tmp_path: Path, store_url: str) -> Iterator[str]:
    server = Live(service_app(tmp_path, store_url))
    try:
        yield server.url
    finally:
        server.close()


def test_overview_links_to_a_pull_request_and_its_blocked_package(browser: Any, live: str) -> None:
    tab = Tab(browser, live)
    page = tab.open("/")
    assert page.title() == "Overview · depshield"
    assert page.locator("#pulls tr.pull").count() == 3
    assert page.locator("svg.chart rect").count() == 28  # 14 days, blocks and warns
    page.click("#pulls a:text('acme/shop#1')")
    assert page.url == live + "/pr/acme/shop/1"
    assert page.locator("#changes tr.change").count() == 3
    page.click("#changes a.pkg:has-text('@acme-typo/colors')")
    assert page.url == live + "/npm/@acme-typo/colors/1.0.3"
    assert page.locator("h1 .verdict").inner_text() == "block"
    hit = page.locator("article.alert:has(code.type:text('dataExfiltration')) .ln.hit")
    assert "https.request" in hit.inner_text() and hit.locator(".no").inner_text() == "9"
    assert "collect.js:9" in page.locator("#alerts").inner_text()
    assert tab.problems == [] and tab.foreign == []


def test_filters_work_without_javascript(browser: Any, live: str) -> None:
    tab = Tab(browser, live)
    tab.context.close()
    tab.context = browser.new_context(java_script_enabled=False)
    tab.page = tab.context.new_page()
    page = tab.open("/")
    page.click("nav.filters a:text('warned')")
    assert page.url == live + "/?verdict=warn"
    assert page.locator("#pulls tr.pull").all_inner_texts() == [
        "acme/<i>hostile</i>#9\twarn\t2025-12-06 08:33 UTC"
    ]
    tab.open("/pr/acme/shop/1")
    page.click("nav.filters a:text('removed')")
    assert page.locator("#changes tr.change").count() == 1
    assert "old-util" in page.locator("#changes").inner_text()
    page.fill("#q", "tidy")
    page.click("form.search button")
    assert page.locator("tr.result").count() == 2
    page.click("tr.result a:has-text('1.1.0')")
    assert page.url == live + "/npm/tidy-pad/1.1.0"
    page.click("#changes a:text('1.0.0')")
    assert page.url == live + "/npm/tidy-pad/1.0.0"


@pytest.mark.parametrize("viewport", [None, PHONE])
def test_hostile_name_is_text_and_keeps_the_layout(
    browser: Any, live: str, viewport: dict[str, int] | None
) -> None:
    tab = Tab(browser, live, viewport)
    for path in ("/", "/?verdict=warn", f"/npm/{quote(HOSTILE, safe='')}/1.0.0",
                 "/pr/acme/%3Ci%3Ehostile%3C%2Fi%3E/9", "/search?q=%3Cimg"):  # fmt: skip
        page = tab.open(path)
        assert tab.pwned() is None, path
        assert page.locator("script, img, iframe, i, b").count() == 0, path
        assert tab.fits(), path
    title = page.locator("tr.result .name").inner_text()
    assert title.startswith('<img src=x onerror="window.__pwned=1"><script>')
    assert "\\u202e" in title and "\\u001b[31m" in title  # shown, not obeyed
    assert tab.problems == [] and tab.foreign == []


@pytest.mark.parametrize("viewport", [None, PHONE])
def test_hostile_file_and_code_from_a_real_scan(
    browser: Any, live: str, viewport: dict[str, int] | None
) -> None:
    tab = Tab(browser, live, viewport)
    page = tab.open("/npm/evalish/0.2.0")
    alert = page.locator("article.alert:has(code.type:text('usesEval'))")
    assert (
        alert.locator("code.file").inner_text() == HOSTILE_FILE.replace("\u202e", "\\u202e") + ":2"
    )
    lines = alert.locator(".ln").all_inner_texts()
    assert lines[0] == "1const s = '<script>window.__pwned=3</script>\\u202e\\u001b[2J';"
    assert lines[1].startswith("2eval(s + '</pre><img src=x")
    assert tab.pwned() is None and page.locator("img, script, b").count() == 0
    assert tab.fits() and tab.problems == [] and tab.foreign == []


def test_sign_in_in_the_browser_keeps_the_session_from_scripts(
    browser: Any, filled: Filled, tmp_path: Path, store_url: str
) -> None:
    server = Live(service_app(tmp_path, store_url, token="s3cret-token"))
    try:
        tab = Tab(browser, server.url)
        page = tab.page
        page.goto(server.url + "/npm/@acme-typo/colors/1.0.3")
        assert page.url == server.url + "/signin?next=/npm/@acme-typo/colors/1.0.3"
        page.fill("#token", "s3cret-token")
        page.click("form.signin button")
        assert page.url == server.url + "/npm/@acme-typo/colors/1.0.3"
        assert page.locator("h1 .verdict").inner_text() == "block"
        assert page.evaluate("() => document.cookie") == ""  # HttpOnly: no script reads it
        cookies = {c["name"]: c for c in tab.context.cookies()}
        assert cookies["depshield_session"]["httpOnly"] is True
        assert cookies["depshield_session"]["sameSite"] == "Strict"
        page.click("form.signout button")
        assert page.url == server.url + "/signin"
        page.goto(server.url + "/")
        assert page.url == server.url + "/signin?next=/"
        assert tab.problems == [] and tab.foreign == []
    finally:
        server.close()
