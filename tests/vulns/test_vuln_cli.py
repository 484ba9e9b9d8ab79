"""`depshield db import|update|status`, with `update` against a loopback server."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from support.registry_server import RegistryServer
from vuln_support import FIXTURES

from depshield.cli.main import main
from depshield.model import PackageRef
from depshield.vulns.match import findings_for


def export_zip(*folders: str) -> bytes:
    """An OSV `all.zip` export (one JSON per record) of fixture folders."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder in folders:
            for file in sorted((FIXTURES / folder).glob("*.json")):
                archive.writestr(file.name, file.read_bytes())
    return raw.getvalue()


def test_import_prints_counts_and_status_reports_them(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "import", str(FIXTURES / "pypi"), str(FIXTURES / "malicious")]) == 0
    out = capsys.readouterr().out
    assert "pypi: 4 records (4 new, 0 updated, 0 unchanged)" in out
    assert "  PyPI: 2" in out and "  npm: 2" in out
    assert "malicious-package records: 4" in out
    assert f"database: {isolated_home / 'osv.sqlite'}" in out
    assert main(["db", "status", "--format", "json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["records"] == 8 and status["malicious"] == 4
    assert status["ecosystems"] == {"PyPI": 6, "npm": 2}
    assert status["path"] == str(isolated_home / "osv.sqlite")


def test_import_reports_bad_records_by_file_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for file in (FIXTURES / "bad").glob("*.json"):
        (mixed / file.name).write_bytes(file.read_bytes())
    good = FIXTURES / "pypi" / "PYSEC-2018-28.json"
    (mixed / good.name).write_bytes(good.read_bytes())
    assert main(["db", "import", str(mixed)]) == 0
    captured = capsys.readouterr()
    assert "1 records (1 new, 0 updated, 0 unchanged), 4 skipped" in captured.out
    assert "depshield: skipped truncated.json: not valid JSON" in captured.err
    assert "Traceback" not in captured.err


def test_import_of_nothing_usable_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "import", str(FIXTURES / "bad")]) == 2
    assert "no OSV records found" in capsys.readouterr().err


def test_import_of_a_missing_path_exits_2_with_a_tip(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "import", "absent.zip"]) == 2
    err = capsys.readouterr().err
    assert "cannot import 'absent.zip': no such file or directory" in err and "Tip:" in err


def test_status_of_an_empty_home(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "status"]) == 0
    out = capsys.readouterr().out
    assert "empty: known vulnerabilities and malware are not checked" in out


def test_update_without_an_address_exits_2_with_a_tip(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "update"]) == 2
    err = capsys.readouterr().err
    assert "no OSV download address is configured" in err
    assert "Tip: pass --base-url URL, set DEPSHIELD_OSV_BASE_URL" in err


def test_update_downloads_each_ecosystem_export(
    registry_server: RegistryServer, capsys: pytest.CaptureFixture[str]
) -> None:
    registry_server.bytes("/mirror/PyPI/all.zip", export_zip("pypi"))
    registry_server.bytes("/mirror/npm/all.zip", export_zip("npm"))
    base = registry_server.url + "mirror"
    assert main(["db", "update", "--base-url", base]) == 0
    out = capsys.readouterr().out
    assert f"{base}/npm/all.zip: 12 records (12 new" in out
    assert f"{base}/PyPI/all.zip: 4 records (4 new" in out
    assert sorted(registry_server.paths()) == ["/mirror/PyPI/all.zip", "/mirror/npm/all.zip"]
    found = findings_for(PackageRef("npm", "jsonwebtoken", "8.5.1"))
    assert [f.props["id"] for f in found] == ["GHSA-27h2-hvpr-p74q"]
    assert not list((Path.cwd() / "depshield-home" / "downloads").glob("*.zip"))


def test_update_takes_the_address_from_env_or_config(
    registry_server: RegistryServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    registry_server.bytes("/cfg/PyPI/all.zip", export_zip("pypi"))
    registry_server.bytes("/env/PyPI/all.zip", export_zip("withdrawn"))
    (tmp_path / "depshield.toml").write_text(
        f'[vulns]\nosv-base-url = "{registry_server.url}cfg"\n', encoding="utf-8"
    )
    assert main(["db", "update", "--ecosystem", "pypi"]) == 0
    assert registry_server.paths() == ["/cfg/PyPI/all.zip"]
    monkeypatch.setenv("DEPSHIELD_OSV_BASE_URL", registry_server.url + "env/")
    assert main(["db", "update", "--ecosystem", "pypi"]) == 0
    assert registry_server.paths()[-1] == "/env/PyPI/all.zip"
    assert "1 records (1 new" in capsys.readouterr().out


def test_update_refuses_what_is_not_a_zip_and_missing_exports(
    registry_server: RegistryServer, capsys: pytest.CaptureFixture[str]
) -> None:
    registry_server.bytes("/bad/PyPI/all.zip", b"<html>not a zip</html>")
    assert (
        main(["db", "update", "--ecosystem", "pypi", "--base-url", registry_server.url + "bad"])
        == 3
    )
    assert "not a zip" in capsys.readouterr().err
    assert (
        main(["db", "update", "--ecosystem", "npm", "--base-url", registry_server.url + "none"])
        == 3
    )
    assert "not found" in capsys.readouterr().err


def test_update_offline_never_connects(
    registry_server: RegistryServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DEPSHIELD_OFFLINE", "1")
    assert main(["db", "update", "--base-url", registry_server.url]) == 3
    assert "offline" in capsys.readouterr().err
    assert registry_server.paths() == []


def test_update_rejects_a_non_http_address(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "update", "--base-url", "file:///tmp"]) == 2
    assert "is not an http(s) URL" in capsys.readouterr().err


def test_status_of_a_corrupt_database_exits_2_with_a_tip(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    isolated_home.mkdir()
    (isolated_home / "osv.sqlite").write_bytes(b"garbage" * 1000)
    assert main(["db", "status"]) == 2
    err = capsys.readouterr().err
    assert "cannot open vulnerability database" in err
    assert "Tip: delete the file and import the data again" in err
