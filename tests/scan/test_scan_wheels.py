"""Which PyPI file a project scan analyses: the one the installer would take, from the files the
lock names (a wheel for this machine, else the sdist), checked against the lock's hash."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from packaging.tags import sys_tags
from support.registry_server import RegistryServer, isolate_env, make_tgz, sha256_hex

from depshield.cli.main import main
from depshield.scan.run import ScanOptions, scan

MACHINE_TAG = str(next(iter(sys_tags())))
FILES_HOST = "https://files.example.invalid/packages/"


def _wheel(marker: str) -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as whl:
        whl.writestr("demo/__init__.py", f"KIND = {marker!r}\n")
        whl.writestr("demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\n")
        whl.writestr("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n")
    return raw.getvalue()


FILES = {
    "demo-1.0.tar.gz": make_tgz(
        {"PKG-INFO": b"Name: demo\nVersion: 1.0\n", "demo/__init__.py": b"KIND = 'sdist'\n"},
        "demo-1.0",
    ),
    "demo-1.0-py3-none-any.whl": _wheel("pure"),
    f"demo-1.0-{MACHINE_TAG}.whl": _wheel("machine"),
    "demo-1.0-cp311-cp311-win_arm64.whl": _wheel("other platform"),
}
SDIST, PURE, MACHINE, FOREIGN = FILES


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry_server: RegistryServer):
    """The loopback server is pip's index (JSON API at /pypi/) and serves every file of FILES."""
    isolate_env(monkeypatch, tmp_path)
    monkeypatch.setenv("PIP_INDEX_URL", registry_server.url + "simple/")
    monkeypatch.delenv("CI", raising=False)
    publish(registry_server, FILES)
    return registry_server


def publish(server: RegistryServer, files: dict[str, bytes], **listed: str) -> None:
    """The release document lists `files` (sha256 from `listed` when given) and serves them."""
    urls = []
    for name, data in files.items():
        server.bytes(f"/packages/{name}", data)
        kind = "bdist_wheel" if name.endswith(".whl") else "sdist"
        digest = listed.get(name, sha256_hex(data))
        urls.append(
            {
                "filename": name,
                "url": f"../../../packages/{name}",
                "packagetype": kind,
                "digests": {"sha256": digest},
            }
        )
    server.json("/pypi/demo/1.0/json", {"info": {"name": "demo", "version": "1.0"}, "urls": urls})


def uv_project(root: Path, names: list[str], hashes: dict[str, bytes] | None = None) -> Path:
    """A uv.lock naming `names` (their hashes from FILES, or from `hashes`)."""
    hashes = {**FILES, **(hashes or {})}

    def table(name: str) -> str:
        size = len(hashes[name])
        return (
            f'{{ url = "{FILES_HOST}{name}", hash = "sha256:{sha256_hex(hashes[name])}", '
            f"size = {size} }}"
        )

    sdist = [f"sdist = {table(n)}" for n in names if not n.endswith(".whl")]
    wheels = [f"    {table(n)}," for n in names if n.endswith(".whl")]
    text = "\n".join(
        [
            "version = 1",
            'requires-python = ">=3.8"',
            "",
            "[[package]]",
            'name = "demo"',
            'version = "1.0"',
            'source = { registry = "https://pypi.example.invalid/simple" }',
            *sdist,
            *(["wheels = [", *wheels, "]"] if wheels else []),
            "",
        ]
    )
    root.mkdir(exist_ok=True)
    (root / "uv.lock").write_text(text)
    return root


def only_result(root: Path, **options: str):
    [result] = scan(root, ScanOptions(**options)).report.packages  # type: ignore[arg-type]
    return result


def downloaded(server: RegistryServer) -> list[str]:
    return [p.removeprefix("/packages/") for p in server.paths() if p.startswith("/packages/")]


def test_pure_wheel_is_analysed_instead_of_the_sdist(index, tmp_path) -> None:
    result = only_result(uv_project(tmp_path / "app", [SDIST, PURE]))
    assert result.skipped is None
    assert result.artifact == PURE
    assert result.digest == "sha256-" + sha256_hex(FILES[PURE])
    assert downloaded(index) == [PURE]  # the sdist is never fetched


def test_the_wheel_for_this_machine_comes_first_as_for_the_installer(index, tmp_path) -> None:
    root = uv_project(tmp_path / "app", [SDIST, PURE, FOREIGN, MACHINE])
    result = only_result(root)
    assert result.artifact == MACHINE
    assert downloaded(index) == [MACHINE]


def test_sdist_when_the_lock_names_no_wheel(index, tmp_path) -> None:
    # The index has wheels too, but the lock pins the sdist only: that is what gets installed.
    result = only_result(uv_project(tmp_path / "app", [SDIST]))
    assert result.artifact == SDIST
    assert downloaded(index) == [SDIST]


def test_sdist_when_no_listed_wheel_fits_this_platform(index, tmp_path) -> None:
    result = only_result(uv_project(tmp_path / "app", [SDIST, FOREIGN]))
    assert result.artifact == SDIST


def test_sdist_on_request(index, tmp_path) -> None:
    result = only_result(uv_project(tmp_path / "app", [SDIST, PURE]), artifact="default")
    assert result.artifact == SDIST


def test_wheel_whose_bytes_differ_from_the_lock_is_not_analysed(index, tmp_path) -> None:
    # The index lists the lock's digest but serves other bytes.
    publish(index, {**FILES, PURE: _wheel("tampered")}, **{PURE: sha256_hex(FILES[PURE])})
    result = only_result(uv_project(tmp_path / "app", [SDIST, PURE]))
    assert result.skipped is not None
    assert "'demo-1.0-py3-none-any.whl' does not match its sha256 digest" in result.skipped
    assert result.artifact is None


def test_index_listing_another_digest_for_a_locked_file_is_refused(index, tmp_path) -> None:
    publish(index, {**FILES, PURE: _wheel("replaced")})
    result = only_result(uv_project(tmp_path / "app", [SDIST, PURE]))
    assert result.skipped is not None
    assert "'demo-1.0-py3-none-any.whl' has another sha256 at the index" in result.skipped
    assert downloaded(index) == []


def test_warm_rescan_analyses_the_same_file_without_network(index, tmp_path) -> None:
    root = uv_project(tmp_path / "app", [SDIST, PURE, MACHINE])
    first = only_result(root)
    seen = len(index.seen)
    second = only_result(root)
    assert len(index.seen) == seen
    assert (
        (second.artifact, second.digest)
        == (first.artifact, first.digest)
        == (
            MACHINE,
            "sha256-" + sha256_hex(FILES[MACHINE]),
        )
    )


def test_hash_only_lock_takes_the_wheel_among_its_hashes(index, tmp_path) -> None:
    # requirements.txt names no files: the index's listing, filtered by the hashes, decides.
    root = tmp_path / "app"
    root.mkdir()
    hashes = " ".join(f"--hash=sha256:{sha256_hex(FILES[n])}" for n in (SDIST, PURE))
    (root / "requirements.txt").write_text(f"demo==1.0 {hashes}\n")
    result = only_result(root)
    assert result.artifact == PURE
    assert downloaded(index) == [PURE]
    # Warm: the store alias of this choice finds the same file without a request; only the
    # file's name is unknown then (the lock never gave it).
    seen = len(index.seen)
    assert only_result(root).digest == result.digest == "sha256-" + sha256_hex(FILES[PURE])
    assert len(index.seen) == seen


def test_json_report_names_the_analysed_file(index, tmp_path, capsys) -> None:
    root = uv_project(tmp_path / "app", [SDIST, PURE])
    code = main(["scan", str(root), "--format", "json", "--fail-on", "never"])
    assert code == 0
    [package] = json.loads(capsys.readouterr().out)["packages"]
    assert package["artifact"] == PURE
    assert package["digest"] == "sha256-" + sha256_hex(FILES[PURE])
    code = main(["scan", str(root), "--format", "json", "--artifact", "sdist"])
    [package] = json.loads(capsys.readouterr().out)["packages"]
    assert package["artifact"] == SDIST
