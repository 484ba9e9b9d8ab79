"""Advisories from the configured registries without setup: npm's bulk endpoint and PyPI's
per-release `vulnerabilities` field, against a loopback registry with recorded replies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.registry_server import (
    FIXTURES,
    RegistryServer,
    Reply,
    isolate_env,
    make_tgz,
    sha256_hex,
    sri,
)

from depshield.cli.main import main
from depshield.model import PackageRef
from depshield.vulns import NOT_SERVED, registry
from depshield.vulns.registry import first_fixed_semver, npm_vulnerability

BULK = "/npm/-/npm/v1/security/advisories/bulk"
REPLY = (FIXTURES / "advisories" / "npm-bulk-lodash.json").read_bytes()
PYPI_VULNS = Path(__file__).resolve().parents[1] / "fixtures" / "osv" / "online"


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_env(monkeypatch, tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(registry, "_unserved", set())
    monkeypatch.setattr(registry, "_caches", {})


@pytest.fixture
def npm(registry_server: RegistryServer, monkeypatch: pytest.MonkeyPatch) -> RegistryServer:
    monkeypatch.setenv("npm_config_registry", registry_server.url + "npm/")
    return registry_server


def serve_npm(server: RegistryServer, name: str, version: str) -> None:
    manifest = {"name": name, "version": version, "main": "index.js", "license": "MIT"}
    tgz = make_tgz({"package.json": json.dumps(manifest).encode(), "index.js": b"exports.x = 1\n"})
    tarball = f"{server.url}npm/{name}/-/{name}-{version}.tgz"
    doc = {
        "_id": name,
        "name": name,
        "dist-tags": {"latest": version},
        "versions": {version: {**manifest, "dist": {"integrity": sri(tgz), "tarball": tarball}}},
    }
    server.json(f"/npm/{name}", doc)
    server.bytes(f"/npm/{name}/-/{name}-{version}.tgz", tgz)


def report(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    return doc


def test_npm_bulk_advisories_become_findings_with_id_alias_fix_and_link(
    npm: RegistryServer, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_npm(npm, "lodash", "4.17.4")
    npm.post(BULK, Reply(200, REPLY, {"Content-Type": "application/json"}))
    assert main(["package", "npm:lodash@4.17.4", "--format", "json", "--fail-on", "never"]) == 0
    [(path, body)] = npm.posted
    assert path == BULK and json.loads(body) == {"lodash": ["4.17.4"]}  # npm audit's body
    pkg = report(capsys)["packages"][0]
    vulns = {a["props"]["id"]: a for a in pkg["alerts"] if a["category"] == "vulnerability"}
    assert sorted(vulns) == ["GHSA-29mw-wpgm-hmr9", "GHSA-jf85-cpcp-j695", "GHSA-p6mc-m468-83gw"]
    critical = vulns["GHSA-jf85-cpcp-j695"]
    assert (critical["type"], critical["severity"]) == ("criticalCVE", "critical")
    assert critical["props"]["aliases"] == ["NPM-1106913"]
    assert critical["props"]["cvss"] == 9.1
    assert critical["props"]["firstPatched"] == "4.17.12"
    assert critical["props"]["suggestion"] == "upgrade to 4.17.12"
    assert critical["props"]["url"].endswith("/advisories/GHSA-jf85-cpcp-j695")
    assert vulns["GHSA-29mw-wpgm-hmr9"]["type"] == "mediumCVE"  # no score: the label counts
    assert vulns["GHSA-p6mc-m468-83gw"]["props"]["range"] == ">=3.7.0 <4.17.19"
    assert not any("known vulnerabilities" in n for n in pkg["notes"])  # they were checked


def test_a_second_look_reads_the_cache_not_the_registry(
    npm: RegistryServer, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_npm(npm, "lodash", "4.17.4")
    npm.post(BULK, Reply(200, REPLY, {"Content-Type": "application/json"}))
    main(["package", "npm:lodash@4.17.4", "--format", "json"])
    main(["package", "npm:lodash@4.17.4", "--format", "json"])
    assert len(npm.posted) == 1
    assert "criticalCVE" in capsys.readouterr().out


def test_a_registry_without_the_endpoint_says_not_checked(
    npm: RegistryServer, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_npm(npm, "lodash", "4.17.4")  # no POST route: the registry answers 404
    assert main(["package", "npm:lodash@4.17.4", "--format", "json"]) == 0
    pkg = report(capsys)["packages"][0]
    assert pkg["notes"].count(NOT_SERVED) == 1
    assert not [a for a in pkg["alerts"] if a["category"] == "vulnerability"]


def test_scan_asks_once_for_the_tree_and_says_not_checked_once(
    npm: RegistryServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("alpha", "beta"):
        serve_npm(npm, name, "1.0.0")
    lock = {
        "name": "app",
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "app", "dependencies": {"alpha": "1.0.0", "beta": "1.0.0"}},
            "node_modules/alpha": {"version": "1.0.0"},
            "node_modules/beta": {"version": "1.0.0"},
        },
    }
    project = tmp_path / "app"
    project.mkdir()
    (project / "package-lock.json").write_text(json.dumps(lock))
    main(["scan", str(project)])
    out = capsys.readouterr().out
    assert len(npm.posted) == 1
    assert json.loads(npm.posted[0][1]) == {"alpha": ["1.0.0"], "beta": ["1.0.0"]}
    assert out.count("not checked (the registry serves no advisories") == 1


def test_pypi_release_vulnerabilities_field_is_used(
    registry_server: RegistryServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = json.loads((PYPI_VULNS / "pypi-json-requests-2.19.0.json").read_text())
    assert serve_pypi(registry_server, monkeypatch, doc) == 0
    pkg = report(capsys)["packages"][0]
    found_all = {a["props"]["id"]: a for a in pkg["alerts"] if a["category"] == "vulnerability"}
    assert sorted(found_all) == ["PYSEC-2018-28", "PYSEC-2023-74"]  # aliases merged, withdrawn out
    found = found_all["PYSEC-2018-28"]
    assert "GHSA-x84v-xcm2-53pg" in found["props"]["aliases"]
    assert "CVE-2018-18074" in found["props"]["aliases"]
    assert found["props"]["suggestion"] == "upgrade to 2.20.0"
    assert [r for r in registry_server.paths() if r.startswith("/pypi/")][0] == (
        "/pypi/requests/2.19.0/json"  # the release's own document, as pip-audit asks
    )


def test_a_pypi_mirror_without_the_field_says_not_checked(
    registry_server: RegistryServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = json.loads((PYPI_VULNS / "pypi-json-requests-2.19.0.json").read_text())
    del doc["vulnerabilities"]
    serve_pypi(registry_server, monkeypatch, doc)
    assert NOT_SERVED in report(capsys)["packages"][0]["notes"]


def serve_pypi(server: RegistryServer, monkeypatch: pytest.MonkeyPatch, doc: dict[str, Any]) -> int:
    monkeypatch.setenv("PIP_INDEX_URL", server.url + "simple/")
    sdist = make_tgz({"PKG-INFO": b"Name: requests\nVersion: 2.19.0\n"}, "requests-2.19.0")
    doc["urls"] = [
        {
            "filename": "requests-2.19.0.tar.gz",
            "packagetype": "sdist",
            "url": "../../../packages/requests-2.19.0.tar.gz",
            "digests": {"sha256": sha256_hex(sdist)},
            "upload_time_iso_8601": "2018-06-12T00:00:00.000000Z",
        }
    ]
    server.json("/pypi/requests/2.19.0/json", doc)
    server.json("/pypi/requests/json", {**doc, "releases": {"2.19.0": doc["urls"]}})
    server.bytes("/packages/requests-2.19.0.tar.gz", sdist)
    return main(["package", "pypi:requests==2.19.0", "--format", "json", "--fail-on", "never"])


@pytest.mark.parametrize(
    ("vulnerable", "version", "fixed"),
    [
        ("<4.17.12", "4.17.4", "4.17.12"),
        (">=1.0.0 <1.2.5 || >=2.0.0 <2.0.1", "1.2.3", "1.2.5"),
        (">=1.0.0 <1.2.5 || >=2.0.0 <2.0.1", "2.0.0", "2.0.1"),
        ("<=1.2.3", "1.2.0", None),  # no upper bound outside the range: no known fix
        ("*", "1.0.0", None),
        ("not a range ~~", "1.0.0", None),
    ],
)
def test_first_fixed_version_above_the_installed_one(
    vulnerable: str, version: str, fixed: str | None
) -> None:
    assert first_fixed_semver(vulnerable, version) == fixed


def test_an_advisory_without_a_ghsa_link_keeps_the_registry_id() -> None:
    found = npm_vulnerability({"id": 118, "title": "x", "vulnerable_versions": "<1.0.1"}, "1.0.0")
    assert found is not None and (found.id, found.first_patched, found.url) == (
        "118",
        "1.0.1",
        None,
    )
    assert npm_vulnerability({"title": "no id"}, "1.0.0") is None


def test_local_artifacts_ask_no_registry() -> None:
    found = registry.advisories_for(PackageRef("npm", "lodash", "4.17.4"), None)
    assert found.served is False and found.vulnerabilities == ()


def test_a_warm_scan_reports_the_same_advisories_from_the_cache(
    npm: RegistryServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_npm(npm, "lodash", "4.17.4")
    npm.post(BULK, Reply(200, REPLY, {"Content-Type": "application/json"}))
    lock = {
        "name": "app",
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "app", "dependencies": {"lodash": "4.17.4"}},
            "node_modules/lodash": {"version": "4.17.4"},
        },
    }
    project = tmp_path / "app"
    project.mkdir()
    (project / "package-lock.json").write_text(json.dumps(lock))

    def advisories() -> list[str]:
        main(["scan", str(project), "--format", "json", "--fail-on", "never"])
        pkg = report(capsys)["packages"][0]
        return sorted(a["props"]["id"] for a in pkg["alerts"] if a["category"] == "vulnerability")

    cold = advisories()
    assert len(cold) == 3 and len(npm.posted) == 1
    assert advisories() == cold  # the artifact now comes from the store, without a document
    assert len(npm.posted) == 1  # and the advisories from the cache


def test_a_stored_pypi_artifact_asks_the_release_document_once(
    registry_server: RegistryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", registry_server.url + "simple/")
    doc = json.loads((PYPI_VULNS / "pypi-json-requests-2.19.0.json").read_text())
    registry_server.json("/pypi/requests/2.19.0/json", doc)
    ref = PackageRef("pypi", "requests", "2.19.0")
    for _ in range(2):
        found = registry.advisories_for(ref, {}, from_registry=True)
        assert found.served and sorted(v.id for v in found.vulnerabilities) == [
            "PYSEC-2018-28",
            "PYSEC-2023-74",
        ]
    assert registry_server.paths() == ["/pypi/requests/2.19.0/json"]


def test_an_index_without_the_json_api_is_not_served(
    registry_server: RegistryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", registry_server.url + "simple/")  # no route: 404
    ref = PackageRef("pypi", "requests", "2.19.0")
    assert registry.advisories_for(ref, {}, from_registry=True).served is False
    assert (
        registry.advisories_for(PackageRef("pypi", "other", "1.0"), {}, from_registry=True).served
        is False
    )
    assert len(registry_server.paths()) == 1  # remembered for the run: asked once


def test_a_failing_bulk_endpoint_is_not_checked_not_an_outage(
    npm: RegistryServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """5xx from the advisory endpoint: the package was still analysed (exit 0, not 3), and
    every format says its known vulnerabilities were not checked (docs/vulnerabilities.md)."""
    serve_npm(npm, "lodash", "4.17.4")
    npm.post(BULK, Reply(503, b"<html>upstream down</html>", {"Content-Type": "text/html"}))
    assert main(["package", "npm:lodash@4.17.4", "--format", "json"]) == 0
    doc = report(capsys)
    pkg = doc["packages"][0]
    assert doc["knownVulnerabilities"] == "not checked"
    assert pkg["scores"]["vulnerability"] is None  # not checked is not 100
    assert any(n.endswith("not checked (http 503)") for n in doc.get("notes", []) + pkg["notes"])
    assert pkg["verdict"] == "pass" and pkg["skipped"] is None


def test_a_bulk_endpoint_that_never_answers_times_out_as_not_checked(
    npm: RegistryServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A registry whose advisory endpoint accepts the connection and never answers: the
    client's read timeout (shortened here from 30 s) ends it, once, with a note."""
    import functools
    import socket

    import httpx

    import depshield.net

    silent = socket.socket()  # the kernel completes the handshake; nothing ever replies
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    serve_npm(npm, "lodash", "4.17.4")
    client = depshield.net.make_client(timeout=httpx.Timeout(0.5, connect=0.5))
    short = functools.partial(depshield.net.session, client)
    monkeypatch.setattr(depshield.net, "session", short)
    registry_url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
    try:
        note = registry._post_bulk(registry_url, {"lodash": ["4.17.4"]}, None)
    finally:
        silent.close()
        client.close()
    assert note is not None and note.startswith("known vulnerabilities from 127.0.0.1")
    assert "not checked (ReadTimeout)" in note
    assert registry_url in registry._unserved  # asked once per run, not once per package
