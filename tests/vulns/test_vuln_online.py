"""Opt-in online sources: the OSV query API (loopback server) and PyPI JSON `vulnerabilities`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from vuln_support import FIXTURES, OsvApiServer

from depshield.errors import RegistryError
from depshield.model import PackageRef
from depshield.net import RetryPolicy
from depshield.vulns.online import findings_from_pypi_json, query_osv

NO_WAIT = RetryPolicy(attempts=2, sleep=lambda _: None)


@pytest.fixture
def osv_api() -> Iterator[OsvApiServer]:
    server = OsvApiServer()
    try:
        yield server
    finally:
        server.close()


def recorded(name: str) -> Any:
    return json.loads((FIXTURES / "online" / name).read_text(encoding="utf-8"))


def test_osv_api_reply_becomes_findings(osv_api: OsvApiServer) -> None:
    osv_api.reply(recorded("osv-api-query-requests-2.19.0.json"))
    result = query_osv(PackageRef("pypi", "requests", "2.19.0"), api_url=osv_api.url, retry=NO_WAIT)
    assert osv_api.queries == [
        {"package": {"ecosystem": "PyPI", "name": "requests"}, "version": "2.19.0"}
    ]
    (finding,) = result.findings
    assert finding.type == "mediumCVE"
    assert finding.props["id"] == "PYSEC-2018-28"
    assert finding.props["firstPatched"] == "2.20.0"
    assert finding.props["range"] == "< 2.20.0"


def test_osv_api_pages_are_followed(osv_api: OsvApiServer) -> None:
    record = recorded("osv-api-query-requests-2.19.0.json")["vulns"][0]
    other = {**record, "id": "PYSEC-9999-1", "aliases": ["CVE-9999-1"]}
    osv_api.reply({"vulns": [record], "next_page_token": "page-2"})
    osv_api.reply({"vulns": [other]})
    result = query_osv(PackageRef("pypi", "requests", "2.19.0"), api_url=osv_api.url, retry=NO_WAIT)
    assert [v.id for v in result.vulnerabilities] == ["PYSEC-2018-28", "PYSEC-9999-1"]
    assert osv_api.queries[1]["page_token"] == "page-2"


def test_osv_api_address_from_the_environment(
    osv_api: OsvApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    osv_api.reply({})
    monkeypatch.setenv("DEPSHIELD_OSV_API_URL", osv_api.url)
    result = query_osv(PackageRef("npm", "left-pad", "1.3.0"), retry=NO_WAIT)
    assert result.vulnerabilities == () and result.notes == ()
    assert osv_api.queries[0]["package"] == {"ecosystem": "npm", "name": "left-pad"}


def test_osv_api_is_not_queried_without_an_address() -> None:
    result = query_osv(PackageRef("npm", "left-pad", "1.3.0"))
    assert result.vulnerabilities == ()
    assert "no address configured" in result.notes[0]


def test_osv_api_errors_are_registry_errors(osv_api: OsvApiServer) -> None:
    osv_api.reply({"message": "overloaded"}, status=503)
    with pytest.raises(RegistryError, match="http 503"):
        query_osv(PackageRef("npm", "x", "1.0.0"), api_url=osv_api.url, retry=NO_WAIT)
    assert len(osv_api.queries) == 2  # retried once
    with pytest.raises(RegistryError, match="answered http 404"):
        query_osv(PackageRef("npm", "x", "1.0.0"), api_url=osv_api.url + "/wrong", retry=NO_WAIT)


def test_pypi_json_vulnerabilities_field_becomes_findings() -> None:
    doc = recorded("pypi-json-requests-2.19.0.json")
    findings = findings_from_pypi_json(doc)
    # PYSEC-2018-28 and GHSA-x84v-xcm2-53pg share CVE-2018-18074: one finding; withdrawn dropped.
    assert [f.props["id"] for f in findings] == ["PYSEC-2018-28", "PYSEC-2023-74"]
    first, second = findings
    assert first.type == "mediumCVE"
    assert first.props["aliases"] == ["CVE-2018-18074", "GHSA-x84v-xcm2-53pg"]
    assert first.props["firstPatched"] == "2.20.0"
    assert first.props["suggestion"] == "upgrade to 2.20.0"
    assert first.props["url"] == "https://osv.example.invalid/vulnerability/PYSEC-2018-28"
    assert second.props["firstPatched"] == "2.31.0"


def test_pypi_json_first_patched_is_above_the_given_version() -> None:
    doc = recorded("pypi-json-requests-2.19.0.json")
    doc["vulnerabilities"][2]["fixed_in"] = ["2.3.1", "2.31.0"]
    findings = findings_from_pypi_json(doc, version="2.19.0")
    assert findings[1].props["firstPatched"] == "2.31.0"
    assert findings_from_pypi_json({"info": {"version": "1.0"}}) == []
