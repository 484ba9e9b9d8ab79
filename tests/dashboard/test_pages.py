"""The dashboard's pages and their JSON, from a store filled by real scans (both backends), and
who may read them: loopback only without a token, a signed-in cookie with one, CSRF-safe forms."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from filled_store import HOSTILE, HOSTILE_FILE, Filled
from pages_support import ELSEWHERE, LOOPBACK, client, service_app

JSON = {"accept": "application/json"}
STEALER_PAGE = "/npm/@acme-typo/colors/1.0.3"


def test_overview_json(web: Any) -> None:
    data = web.get("/", headers=JSON).json()
    latest = {r["repo"]: r["verdict"] for r in data["repositories"]}
    assert latest == {"acme/shop": "block", "acme/api": "block", "acme/docs": "pass",
                      "acme/site": "pass", "acme/<i>hostile</i>": "warn"}  # fmt: skip
    assert {(p["repo"], p["verdict"]) for p in data["pullRequests"]} == {
        ("acme/shop", "block"), ("acme/api", "block"), ("acme/<i>hostile</i>", "warn")
    }  # fmt: skip
    top = data["mostBlocked"][0]
    assert (top["name"], top["version"], top["repositories"]) == ("@acme-typo/colors", "1.0.3", 2)
    assert len(data["perDay"]) == 14


def test_blocks_and_warns_a_day(filled: Filled) -> None:
    from depshield.dashboard.views import per_day

    days = per_day(filled.store, now=1_765_000_000.0 + 86400)  # the day after the runs
    assert [(d["day"], d["block"], d["warn"]) for d in days[-2:]] == [
        ("2025-12-06", 2, 1), ("2025-12-07", 0, 0)
    ]  # fmt: skip
    assert sum(d["block"] + d["warn"] for d in days[:-2]) == 0


def test_overview_filter(web: Any) -> None:
    warned = web.get("/?verdict=warn", headers=JSON).json()["pullRequests"]
    assert [p["repo"] for p in warned] == ["acme/<i>hostile</i>"]
    blocked = web.get("/?verdict=block", headers=JSON).json()["pullRequests"]
    assert {p["repo"] for p in blocked} == {"acme/shop", "acme/api"}


def test_a_closed_pull_request_leaves_the_open_list(web: Any, filled: Filled) -> None:
    filled.store.set_state("acme/api", 7, "closed")
    repos = {p["repo"] for p in web.get("/", headers=JSON).json()["pullRequests"]}
    assert "acme/api" not in repos and "acme/shop" in repos


def test_package_json_has_alerts_with_excerpts_from_the_artifact(web: Any) -> None:
    data = web.get(STEALER_PAGE, headers=JSON).json()
    assert data["verdict"] == "block" and data["name"] == "@acme-typo/colors"
    exfil = next(a for a in data["alerts"] if a["type"] == "dataExfiltration")
    assert (exfil["file"], exfil["line"]) == ("collect.js", 9)
    hit = [line for line in exfil["excerpt"] if line["hit"]]
    assert [line["line"] for line in hit] == [9] and "https.request" in hit[0]["text"]
    assert [a["evidence"] for a in data["installScripts"]] == ['"postinstall": "node collect.js"']
    assert {p["repo"] for p in data["paths"]} == {"acme/shop", "acme/api"}
    assert data["license"] == "MIT"  # read from the cached artifact's package.json


def test_package_page_html(web: Any) -> None:
    page = web.get(STEALER_PAGE)
    assert page.status_code == 200 and len(page.content) < 200_000
    assert "collect.js:9" in page.text and "Data exfiltration" in page.text
    assert re.search(
        r'class="ln hit"><span class="no">9</span>const req = https.request', page.text
    )


def test_upgrade_shows_the_previous_version(web: Any) -> None:
    data = web.get("/npm/tidy-pad/1.1.0", headers=JSON).json()
    assert data["previous"] == "1.0.0" and data["versionDiff"]["change"] == "minor"
    assert {v["version"] for v in data["otherVersions"]} == {"1.0.0", "1.1.0"}
    assert 'href="/npm/tidy-pad/1.0.0"' in web.get("/npm/tidy-pad/1.1.0").text


def test_pull_request_page(web: Any) -> None:
    data = web.get("/pr/acme/shop/1", headers=JSON).json()
    assert {(c["kind"], c["name"]) for c in data["changes"]} == {
        ("added", "@acme-typo/colors"), ("removed", "old-util"), ("upgraded", "tidy-pad")
    }  # fmt: skip
    assert data["changes"][0]["verdict"] == "block"  # worst first
    assert "<!-- depshield" in data["comment"] or "depshield" in data["comment"]
    added = web.get("/pr/acme/shop/1?kind=added", headers=JSON).json()["changes"]
    assert [c["name"] for c in added] == ["@acme-typo/colors"]
    page = web.get("/pr/acme/shop/1").text
    assert 'href="/npm/@acme-typo/colors/1.0.3"' in page


def test_pull_request_ignores_who_when_why(web: Any) -> None:
    ignores = web.get("/pr/acme/docs/3", headers=JSON).json()["ignores"]
    assert [(i["package"], i["by"]) for i in ignores] == [("evalish@0.2.0", "maintainer-1")]
    assert "reviewed: the eval is a REPL" in ignores[0]["why"] and ignores[0]["at"] > 0


def test_search_by_name_and_purl(web: Any) -> None:
    def names(q: str) -> list[tuple[str, str]]:
        found = web.get("/search", params={"q": q}, headers=JSON).json()["results"]
        return sorted((r["name"], r["version"]) for r in found)

    assert names("colors") == [("@acme-typo/colors", "1.0.3")]
    assert names("pkg:npm/%40acme-typo/colors@1.0.3") == [("@acme-typo/colors", "1.0.3")]
    assert names("pkg:npm/tidy-pad") == [("tidy-pad", "1.0.0"), ("tidy-pad", "1.1.0")]
    assert names("npm:tidy-pad@1.0.0") == [("tidy-pad", "1.0.0")]
    assert names("100%_") == []  # LIKE wildcards are searched for literally
    assert "/npm/tidy-pad/1.1.0" in web.get("/search", params={"q": "tidy"}).text


def test_unknown_pages_are_404_with_one_line(web: Any) -> None:
    answer = web.get("/npm/no-such/1.0.0", headers=JSON)
    assert answer.status_code == 404 and answer.json() == {
        "message": "npm:no-such 1.0.0 has not been judged"
    }
    assert web.get("/pr/acme/none/1").status_code == 404


# --- hostile text -------------------------------------------------------------------------------


def test_hostile_name_and_file_are_inert_text(web: Any) -> None:
    from urllib.parse import quote

    pages = [web.get("/").text, web.get("/pr/acme/%3Ci%3Ehostile%3C/i%3E/9").text]
    package = web.get(f"/npm/{quote(HOSTILE, safe='')}/1.0.0")
    assert package.status_code == 200
    pages.append(package.text)
    for page in pages:
        assert (
            "<script>window" not in page and "<img src=x" not in page and "<i>hostile" not in page
        )
        assert "\u202e" not in page and "\x1b" not in page
        assert page.lower().count("<script") == 0
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in package.text
    assert "\\u202e" in package.text and "\\u001b[31m" in package.text
    assert "lib/&lt;b&gt;x&lt;/b&gt;\\u202egnp.js:2" in package.text
    assert HOSTILE_FILE  # the real scan's hostile file is checked in the browser test


def test_security_headers(web: Any) -> None:
    answer = web.get("/")
    csp = answer.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp  # so: no script at all
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "same-origin"
    assert answer.headers["content-type"].startswith("text/html")


# --- access ---------------------------------------------------------------------------------


def test_off_loopback_without_a_token_is_refused(
    filled: Filled, tmp_path: Path, store_url: str
) -> None:
    web = client(service_app(tmp_path, store_url), ELSEWHERE)
    answer = web.get("/", headers=JSON)
    assert answer.status_code == 403 and "DEPSHIELD_DASHBOARD_TOKEN" in answer.json()["message"]
    assert web.get(STEALER_PAGE).status_code == 403
    assert web.get("/healthz").status_code == 200  # the service's own routes are unaffected


def signin(web: Any, token: str, *, csrf: str | None = None, origin: str | None = None) -> Any:
    form = web.get("/signin?next=/pr/acme/shop/1")
    field = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert field is not None
    headers = {"origin": origin} if origin else {}
    body = {"csrf": field.group(1) if csrf is None else csrf, "token": token,
            "next": "/pr/acme/shop/1"}  # fmt: skip
    return web.post("/signin", data=body, headers=headers)


@pytest.mark.parametrize("address", [ELSEWHERE, LOOPBACK])
def test_with_a_token_a_signed_in_cookie_is_required(
    filled: Filled, tmp_path: Path, store_url: str, address: tuple[str, int]
) -> None:
    web = client(service_app(tmp_path, store_url, token="s3cret-token"), address)
    first = web.get("/pr/acme/shop/1")
    assert first.status_code == 303 and first.headers["location"] == "/signin?next=/pr/acme/shop/1"
    assert web.get("/", headers=JSON).status_code == 401
    assert signin(web, "wrong").status_code == 403
    assert "Sign out" not in web.get("/signin").text
    done = signin(web, "s3cret-token")
    assert done.status_code == 303 and done.headers["location"] == "/pr/acme/shop/1"
    cookie = done.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "s3cret-token" not in cookie  # an HMAC of the token, not the token
    assert web.get("/pr/acme/shop/1").status_code == 200


def test_csrf_is_refused(filled: Filled, tmp_path: Path, store_url: str) -> None:
    web = client(service_app(tmp_path, store_url, token="s3cret-token"), ELSEWHERE)
    assert signin(web, "s3cret-token", csrf="forged").status_code == 403
    assert signin(web, "s3cret-token", origin="http://evil.invalid").status_code == 403
    web.cookies.clear()
    no_cookie = web.post("/signin", data={"csrf": "x", "token": "s3cret-token"})
    assert no_cookie.status_code == 403
    assert "depshield_session" not in no_cookie.headers.get("set-cookie", "")
    assert web.get("/").status_code == 303  # still signed out


def test_sign_out_needs_the_csrf_token(filled: Filled, tmp_path: Path, store_url: str) -> None:
    web = client(service_app(tmp_path, store_url, token="s3cret-token"), ELSEWHERE)
    assert signin(web, "s3cret-token").status_code == 303
    page = web.get("/").text
    signout = r'action="/signout">\s*<input type="hidden" name="csrf" value="([^"]+)"'
    field = re.search(signout, page)
    assert field is not None
    assert web.post("/signout", data={"csrf": "forged"}).status_code == 403
    assert web.get("/").status_code == 200  # still signed in
    done = web.post("/signout", data={"csrf": field.group(1)})
    assert done.status_code == 303 and 'depshield_session=""' in done.headers["set-cookie"]
    assert web.get("/").status_code == 303


def test_open_redirect_is_refused(filled: Filled, tmp_path: Path, store_url: str) -> None:
    web = client(service_app(tmp_path, store_url, token="t"), ELSEWHERE)
    form = web.get("/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    done = web.post("/signin", data={"csrf": csrf, "token": "t", "next": "//evil.invalid/x"})
    assert done.status_code == 303 and done.headers["location"] == "/"


# --- page budget ----------------------------------------------------------------------------


def huge_report(alerts: int, changes: int) -> Any:
    """One package with `alerts` long hostile alerts, and `changes` other added packages."""
    from dataclasses import replace

    from filled_store import hostile_report

    from depshield.model import PackageRef
    from depshield.pr.report import Assessed

    base = hostile_report()
    item = base.items[0]
    assert item.result is not None
    many = tuple(
        replace(item.result.alerts[0], line=i + 1, file=f"{HOSTILE_FILE}/{'&' * 200}{i}.js",
                evidence=('"<&>' * 200)[:400], message="&" * 400)
        for i in range(alerts)
    )  # fmt: skip
    big = replace(item, result=replace(item.result, alerts=many), introduced=many)
    others = [
        Assessed(
            replace(item.change, name=f"dep-{i:05d}", introduced_by="&" * 300),
            replace(item.result, ref=PackageRef("npm", f"dep-{i:05d}", "1.0.0"), alerts=()),
        )
        for i in range(changes)
    ]
    return replace(base, items=[big, *others])


def test_pages_stay_under_200_kb_however_much_there_is(web: Any, filled: Filled) -> None:
    from urllib.parse import quote

    filled.store.record_run("acme/huge", 1, "a", "b", huge_report(2000, 3000), "x" * 50_000)
    page = web.get(f"/npm/{quote(HOSTILE, safe='')}/1.0.0")
    assert page.status_code == 200 and len(page.content) <= 200_000
    assert "The first" in page.text and "the JSON has more" in page.text
    data = web.get(f"/npm/{quote(HOSTILE, safe='')}/1.0.0", headers=JSON).json()
    assert data["alertsTotal"] == 2000 and data["alertsShown"] == 200
    pull = web.get("/pr/acme/huge/1")
    assert pull.status_code == 200 and len(pull.content) <= 200_000
    assert "Dependency changes (3001)" in pull.text
    assert web.get("/pr/acme/huge/1", headers=JSON).json()["changesTotal"] == 3001


def test_pypi_names_compare_normalised(web: Any, filled: Filled) -> None:
    from dataclasses import replace

    from filled_store import hostile_report

    from depshield.model import PackageRef

    base = hostile_report()
    item = base.items[0]
    assert item.result is not None
    ref = PackageRef("pypi", "Flask_Login", "0.6.3")
    change = replace(item.change, ecosystem="pypi", name="Flask_Login", new="0.6.3")
    record = replace(
        base, items=[replace(item, change=change, result=replace(item.result, ref=ref))]
    )
    filled.store.record_run("acme/py", 2, "a", "b", record, "body")
    for path in ("/pypi/Flask_Login/0.6.3", "/pypi/flask-login/0.6.3", "/pypi/FLASK.login/0.6.3"):
        data = web.get(path, headers=JSON).json()
        assert (data["name"], data["version"]) == ("Flask_Login", "0.6.3"), path
        assert [p["repo"] for p in data["paths"]] == ["acme/py"]
    assert web.get("/npm/Flask_Login/0.6.3", headers=JSON).status_code == 404
    for query in ("pypi:flask.login==0.6.3", "pkg:pypi/flask-login@0.6.3", "login"):
        found = web.get("/search", params={"q": query}, headers=JSON).json()["results"]
        assert [(r["ecosystem"], r["name"]) for r in found] == [("pypi", "Flask_Login")], query


def test_a_broken_database_is_one_line_not_a_traceback(web: Any, filled: Filled) -> None:
    filled.store.db.execute("DROP TABLE dash_pulls")
    answer = web.get("/", headers=JSON)
    assert answer.status_code == 503
    message = answer.json()["message"]
    assert message.startswith("the dashboard cannot read its database: ")
    assert "Tip: check DEPSHIELD_DATABASE_URL" in message and "\n" not in message
    assert "Traceback" not in web.get("/").text
