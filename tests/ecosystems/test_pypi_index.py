"""The PyPI JSON API client against a loopback index: file choice, relative URLs, digests."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from support.registry_server import RegistryServer, isolate_env, load_doc, make_tgz, sha256_hex

from depshield.ecosystems.pypi.index import fetch, get_project, select_files
from depshield.errors import IntegrityError, NotFoundError, RegistryError, UsageError
from depshield.model import PackageRef
from depshield.net import RetryPolicy

FAST = RetryPolicy(attempts=2, backoff=0.0)
FILES = {
    "sampleproj-2.0.0.tar.gz": make_tgz({"PKG-INFO": b"Name: sampleproj\n"}, "sampleproj-2.0.0"),
    "sampleproj-2.0.0-py3-none-any.whl": b"PK\x05\x06" + b"\0" * 18,
    "sampleproj-2.0.0-cp311-cp311-manylinux_2_17_x86_64.whl": b"PK\x05\x06" + b"\1" * 18,
    "wheelonly-1.5-cp312-cp312-win_amd64.whl": b"PK\x05\x06" + b"\2" * 18,
    "wheelonly-1.5-py2.py3-none-any.whl": b"PK\x05\x06" + b"\3" * 18,
}


@pytest.fixture
def index(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, registry_server: RegistryServer
) -> RegistryServer:
    """The loopback server is the configured index (at /simple/, JSON API at /pypi/)."""
    isolate_env(monkeypatch, tmp_path)
    monkeypatch.setenv("PIP_INDEX_URL", registry_server.url + "simple/")
    return registry_server


def serve(server: RegistryServer, fixture: str, path: str, **bad: bytes) -> dict[str, Any]:
    """Serve a recorded project document with digests filled in from FILES (or `bad`)."""
    doc = load_doc(fixture, server.url)
    for entry in doc["urls"]:
        data = FILES[entry["filename"]]
        entry["digests"]["sha256"] = sha256_hex(bad.get(entry["filename"], data))
        server.bytes(urlsplit(urljoin(server.url + path.lstrip("/"), entry["url"])).path, data)
    server.json(path, doc)
    return doc


def test_default_is_the_sdist_from_a_relative_url(index: RegistryServer) -> None:
    serve(index, "pypi/sampleproj.json", "/pypi/sampleproj/json")
    [artifact] = fetch(PackageRef("pypi", "SampleProj"), retry=FAST)
    assert artifact.ref == PackageRef("pypi", "SampleProj", "2.0.0")
    assert artifact.kind == "sdist"
    assert artifact.filename == "sampleproj-2.0.0.tar.gz"
    assert artifact.path.read_bytes() == FILES["sampleproj-2.0.0.tar.gz"]
    assert artifact.digest == "sha256-" + sha256_hex(FILES["sampleproj-2.0.0.tar.gz"])
    # "../../packages/..." is relative to the document at /pypi/sampleproj/json.
    assert index.paths() == ["/pypi/sampleproj/json", "/packages/e5/f6/sampleproj-2.0.0.tar.gz"]
    assert artifact.metadata["summary"] == "A sample project"
    assert artifact.metadata["_file"]["packagetype"] == "sdist"
    assert artifact.metadata["vulnerabilities"][0]["id"] == "PYSEC-0000-0"
    assert artifact.metadata["yanked"] is False


@pytest.mark.parametrize(
    ("choice", "filenames"),
    [
        ("sdist", ["sampleproj-2.0.0.tar.gz"]),
        ("wheel", ["sampleproj-2.0.0-py3-none-any.whl"]),
        (
            "all",
            [
                "sampleproj-2.0.0.tar.gz",
                "sampleproj-2.0.0-py3-none-any.whl",
                "sampleproj-2.0.0-cp311-cp311-manylinux_2_17_x86_64.whl",
            ],
        ),
    ],
)
def test_artifact_choice(index: RegistryServer, choice: str, filenames: list[str]) -> None:
    serve(index, "pypi/sampleproj.json", "/pypi/sampleproj/json")
    fetched = fetch(PackageRef("pypi", "sampleproj"), artifact=choice, retry=FAST)
    assert [a.filename for a in fetched] == filenames
    assert [a.kind for a in fetched] == [
        "sdist" if f.endswith(".tar.gz") else "wheel" for f in filenames
    ]
    assert all(a.path.read_bytes() == FILES[a.filename] for a in fetched)


def test_without_sdist_the_pure_wheel_is_chosen(index: RegistryServer) -> None:
    serve(index, "pypi/wheel-only.json", "/pypi/wheelonly/json")
    [artifact] = fetch(PackageRef("pypi", "wheelonly"), retry=FAST)
    assert artifact.filename == "wheelonly-1.5-py2.py3-none-any.whl"
    assert artifact.kind == "wheel"
    with pytest.raises(NotFoundError, match="'wheelonly' version '1.5' has no sdist file"):
        fetch(PackageRef("pypi", "wheelonly"), artifact="sdist", retry=FAST)


def test_release_document_uses_the_canonical_name(index: RegistryServer) -> None:
    doc = load_doc("pypi/sampleproj.json", index.url)
    index.json("/pypi/sample-proj/2.0.0/json", doc)
    assert get_project("Sample_Proj", "2.0.0", retry=FAST)["info"]["version"] == "2.0.0"
    assert index.paths() == ["/pypi/sample-proj/2.0.0/json"]


def test_unknown_project_is_not_found_at_the_index_host(index: RegistryServer) -> None:
    host = index.url.removeprefix("http://").rstrip("/")
    with pytest.raises(NotFoundError, match=f"^pypi package 'nope' not found at {host}$") as info:
        fetch(PackageRef("pypi", "nope"), retry=FAST)
    assert info.value.tip
    with pytest.raises(NotFoundError, match="'nope' version '1.0' not found"):
        get_project("nope", "1.0", retry=FAST)


def test_sha256_mismatch_is_refused(index: RegistryServer, tmp_path: Path) -> None:
    serve(
        index, "pypi/sampleproj.json", "/pypi/sampleproj/json", **{"sampleproj-2.0.0.tar.gz": b"x"}
    )
    with pytest.raises(IntegrityError, match="'sampleproj-2.0.0.tar.gz' does not match its sha256"):
        fetch(PackageRef("pypi", "sampleproj"), retry=FAST)
    store = tmp_path / "depshield-home" / "artifacts"
    assert [p for p in store.rglob("*") if p.is_file()] == []


def test_second_fetch_reuses_the_store(index: RegistryServer) -> None:
    serve(index, "pypi/sampleproj.json", "/pypi/sampleproj/json")
    first = fetch(PackageRef("pypi", "sampleproj"), retry=FAST)
    second = fetch(PackageRef("pypi", "sampleproj"), retry=FAST)
    assert first[0].path == second[0].path
    assert index.paths().count("/packages/e5/f6/sampleproj-2.0.0.tar.gz") == 1


def test_unknown_artifact_choice_and_offline(
    index: RegistryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(UsageError, match="'binary'"):
        fetch(PackageRef("pypi", "sampleproj"), artifact="binary")
    monkeypatch.setenv("DEPSHIELD_OFFLINE", "1")
    with pytest.raises(RegistryError, match="^offline: cannot fetch pypi:sampleproj==latest$"):
        fetch(PackageRef("pypi", "sampleproj"))
    assert index.seen == []


def test_platform_wheel_for_this_machine_is_preferred() -> None:
    from packaging.tags import sys_tags

    best = next(iter(sys_tags()))
    native = f"p-1.0-{best.interpreter}-{best.abi}-{best.platform}.whl"
    foreign = "p-1.0-cp27-cp27m-win32.whl"  # sorts first by name, runs nowhere near here
    entries = [{"filename": f, "url": f} for f in (foreign, native)]
    assert [e["filename"] for e in select_files(entries, "wheel", "x")] == [native]
