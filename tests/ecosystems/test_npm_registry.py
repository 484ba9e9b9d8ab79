"""The npm registry client against a loopback registry: URLs, versions, integrity, retries."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from support.registry_server import (
    RegistryServer,
    Reply,
    isolate_env,
    load_doc,
    make_tgz,
    sha256_hex,
    sri,
)

from depshield.artifacts.store import ArtifactStore
from depshield.ecosystems.npm.registry import fetch, get_packument, resolve_version
from depshield.errors import IntegrityError, NotFoundError, RegistryError, UsageError
from depshield.model import PackageRef
from depshield.net import RetryPolicy

FAST = RetryPolicy(attempts=3, backoff=0.0)
TGZ = make_tgz({"package.json": b'{"name":"left-pad","version":"1.3.0"}', "index.js": b"x\n"})


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return isolate_env(monkeypatch, tmp_path)


@pytest.fixture
def npm(home: Path, registry_server: RegistryServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The loopback server at /npm/ is the configured registry; returns the store root."""
    monkeypatch.setenv("npm_config_registry", registry_server.url + "npm/")
    return home.parent / "depshield-home" / "artifacts"


def serve_left_pad(server: RegistryServer, tgz: bytes = TGZ, integrity: str | None = None) -> None:
    doc = load_doc("npm/left-pad.packument.json", server.url)
    doc["versions"]["1.3.0"]["dist"]["integrity"] = integrity or sri(tgz)
    server.json("/npm/left-pad", doc)
    server.bytes("/npm/left-pad/-/left-pad-1.3.0.tgz", tgz)


def stored_files(store_root: Path) -> list[Path]:
    return [p for p in (store_root / "sha256").rglob("*") if p.is_file()]


@pytest.fixture
def left_pad() -> dict[str, Any]:
    return load_doc("npm/left-pad.packument.json", "http://registry.example.invalid/")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (None, "1.3.0"),
        ("latest", "1.3.0"),
        ("next", "2.0.0-beta.1"),
        ("1.1.0", "1.1.0"),
        ("^1.0.0", "1.3.0"),
        ("~1.1", "1.1.0"),
        ("<1.1.0", "1.0.0"),
        (">=2.0.0-beta.0", "2.0.0-beta.1"),
    ],
)
def test_resolve_version(left_pad: dict[str, Any], spec: str | None, expected: str) -> None:
    assert resolve_version(left_pad, spec) == expected


def test_resolve_version_without_match(left_pad: dict[str, Any]) -> None:
    with pytest.raises(NotFoundError, match="'left-pad' has no version matching '\\^9'"):
        resolve_version(left_pad, "^9")
    with pytest.raises(UsageError, match="not a version, tag or range"):
        resolve_version(left_pad, "no such tag!")


def test_scoped_name_is_escaped_and_json_is_asked_for(
    npm: Path, registry_server: RegistryServer
) -> None:
    doc = load_doc("npm/scoped-package.packument.json", registry_server.url)
    registry_server.json("/npm/@acme%2fwidget", doc)
    assert get_packument("@acme/widget", retry=FAST)["name"] == "@acme/widget"
    assert registry_server.seen[0].path == "/npm/@acme%2fwidget"
    assert registry_server.seen[0].headers["Accept"] == "application/json"
    assert registry_server.seen[0].headers["User-Agent"].startswith("depshield/")


def test_fetch_latest_verifies_sha512_and_stores_by_sha256(
    npm: Path, registry_server: RegistryServer
) -> None:
    serve_left_pad(registry_server)
    artifact = fetch(PackageRef("npm", "left-pad"), retry=FAST)
    assert artifact.ref == PackageRef("npm", "left-pad", "1.3.0")
    assert artifact.kind == "tgz"
    assert artifact.filename == "left-pad-1.3.0.tgz"
    assert artifact.digest == "sha256-" + sha256_hex(TGZ)
    assert artifact.path.read_bytes() == TGZ
    assert artifact.path == npm / "sha256" / sha256_hex(TGZ)[:2] / sha256_hex(TGZ)
    assert artifact.metadata["_packument_time"]["1.3.0"] == "2018-04-09T00:47:34.542Z"
    assert artifact.metadata["_maintainers"][0]["name"] == "stevemao"
    assert artifact.metadata["scripts"] == {"test": "node test"}
    assert artifact.metadata["_integrity_verified"] is True


def test_second_fetch_reuses_the_store(npm: Path, registry_server: RegistryServer) -> None:
    serve_left_pad(registry_server)
    first = fetch(PackageRef("npm", "left-pad", "1.3.0"), retry=FAST)
    second = fetch(PackageRef("npm", "left-pad", "^1"), retry=FAST)
    assert second.path == first.path
    assert registry_server.paths().count("/npm/left-pad/-/left-pad-1.3.0.tgz") == 1


def test_integrity_mismatch_is_refused_and_not_stored(
    npm: Path, registry_server: RegistryServer
) -> None:
    serve_left_pad(registry_server, integrity=sri(b"other bytes"))
    with pytest.raises(IntegrityError, match="'left-pad@1.3.0' tarball does not match its sha512"):
        fetch(PackageRef("npm", "left-pad"), retry=FAST)
    assert stored_files(npm) == []
    assert list((npm / "tmp").iterdir()) == []


def test_strongest_algorithm_of_several_is_checked(
    npm: Path, registry_server: RegistryServer
) -> None:
    # A correct sha1 does not rescue a wrong sha512: npm checks the strongest one offered.
    serve_left_pad(registry_server, integrity=f"{sri(TGZ, 'sha1')} {sri(b'x')}")
    with pytest.raises(IntegrityError):
        fetch(PackageRef("npm", "left-pad"), retry=FAST)
    # Any of several values of the strongest algorithm may match.
    serve_left_pad(registry_server, integrity=f"{sri(b'x')} {sri(TGZ)}")
    assert fetch(PackageRef("npm", "left-pad"), retry=FAST).path.read_bytes() == TGZ


def test_relative_tarball_url_and_sha1_shasum(npm: Path, registry_server: RegistryServer) -> None:
    tgz = make_tgz({"package.json": b'{"name":"mirrored"}'})
    doc = load_doc("npm/relative-tarball.packument.json", registry_server.url)
    doc["versions"]["3.1.4"]["dist"]["shasum"] = hashlib.sha1(tgz).hexdigest()
    registry_server.json("/npm/mirrored", doc)
    registry_server.bytes("/files/mirrored-3.1.4.tgz", tgz)
    artifact = fetch(PackageRef("npm", "mirrored", "3.1.4"), retry=FAST)
    assert artifact.path.read_bytes() == tgz
    assert registry_server.paths() == ["/npm/mirrored", "/files/mirrored-3.1.4.tgz"]


def test_sha1_mismatch_is_refused(npm: Path, registry_server: RegistryServer) -> None:
    doc = load_doc("npm/relative-tarball.packument.json", registry_server.url)
    doc["versions"]["3.1.4"]["dist"]["shasum"] = hashlib.sha1(b"else").hexdigest()
    registry_server.json("/npm/mirrored", doc)
    registry_server.bytes("/files/mirrored-3.1.4.tgz", make_tgz({"a": b"b"}))
    with pytest.raises(IntegrityError, match="'mirrored@3.1.4' tarball does not match its sha1"):
        fetch(PackageRef("npm", "mirrored"), retry=FAST)


def test_unknown_package_is_not_found(npm: Path, registry_server: RegistryServer) -> None:
    with pytest.raises(NotFoundError, match="npm package 'nope' not found at 127.0.0.1:") as info:
        fetch(PackageRef("npm", "nope"), retry=FAST)
    assert info.value.tip
    assert registry_server.paths() == ["/npm/nope"]  # a 404 is an answer: no retry


def test_server_error_then_success_is_retried(npm: Path, registry_server: RegistryServer) -> None:
    serve_left_pad(registry_server)
    doc = load_doc("npm/left-pad.packument.json", registry_server.url)
    doc["versions"]["1.3.0"]["dist"]["integrity"] = sri(TGZ)
    registry_server.route("/npm/left-pad", Reply(500), Reply(200, json.dumps(doc).encode()))
    assert fetch(PackageRef("npm", "left-pad"), retry=FAST).path.read_bytes() == TGZ
    assert registry_server.paths().count("/npm/left-pad") == 2


def test_retry_after_is_honoured(npm: Path, registry_server: RegistryServer) -> None:
    waits: list[float] = []
    policy = RetryPolicy(attempts=3, backoff=0.25, sleep=waits.append)
    registry_server.route(
        "/npm/left-pad", Reply(429, headers={"Retry-After": "7"}), Reply(503), Reply(404)
    )
    with pytest.raises(NotFoundError):
        get_packument("left-pad", retry=policy)
    assert waits == [7.0, 0.5]  # the server's word, then exponential backoff (0.25 * 2)


def test_server_down_is_a_registry_error_after_retries(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("npm_config_registry", f"http://127.0.0.1:{port}/")
    with pytest.raises(RegistryError, match="'left-pad' .*after 3 attempts") as info:
        get_packument("left-pad", retry=FAST)
    assert "\n" not in str(info.value)
    assert info.value.tip


def test_auth_token_goes_only_to_its_registry(
    npm: Path, registry_server: RegistryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = RegistryServer()
    try:
        scoped_registry = other.url + "scoped/"
        host = scoped_registry.removeprefix("http:")
        (npm.parent.parent / "home" / ".npmrc").write_text(
            f"@acme:registry={scoped_registry}\n{host}:_authToken=${{ACME_TOKEN}}\n"
        )
        monkeypatch.setenv("ACME_TOKEN", "tok-123")
        widget = make_tgz({"package.json": b'{"name":"@acme/widget"}'})
        doc = load_doc("npm/scoped-package.packument.json", other.url)
        doc["versions"]["0.4.2"]["dist"]["integrity"] = sri(widget)
        other.json("/scoped/@acme%2fwidget", doc)
        other.bytes("/scoped/@acme/widget/-/widget-0.4.2.tgz", widget)
        serve_left_pad(registry_server)
        fetch(PackageRef("npm", "@acme/widget"), retry=FAST)
        fetch(PackageRef("npm", "left-pad"), retry=FAST)
        assert [s.headers.get("Authorization") for s in other.seen] == ["Bearer tok-123"] * 2
        assert all("Authorization" not in s.headers for s in registry_server.seen)
    finally:
        other.close()


def test_oversized_tarball_is_refused(npm: Path, registry_server: RegistryServer) -> None:
    serve_left_pad(registry_server)
    with pytest.raises(RegistryError, match="larger than"):
        fetch(PackageRef("npm", "left-pad"), retry=FAST, max_bytes=16)
    assert stored_files(npm) == []


@pytest.mark.parametrize("by_env", [True, False])
def test_offline_makes_no_request(
    npm: Path, registry_server: RegistryServer, monkeypatch: pytest.MonkeyPatch, by_env: bool
) -> None:
    serve_left_pad(registry_server)
    if by_env:
        monkeypatch.setenv("DEPSHIELD_OFFLINE", "1")
    with pytest.raises(RegistryError, match="^offline: cannot fetch npm:left-pad@latest$"):
        fetch(PackageRef("npm", "left-pad"), offline=None if by_env else True)
    assert registry_server.seen == []


def test_store_lookup_by_digest(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path / "store")
    stored = store.put_bytes(TGZ)
    assert store.get(stored.digest) == stored.path
    assert store.get(sha256_hex(TGZ)) == stored.path
    assert store.get("sha256-" + "0" * 64) is None
