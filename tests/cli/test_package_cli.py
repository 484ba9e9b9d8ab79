"""`depshield package` as a user meets it: exit codes, one-line errors, the JSON contract."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from depshield.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "demo-app" / "npm-credential-stealer"
BENIGN = ROOT / "tests" / "fixtures" / "lookalikes" / "npm-http-client"


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPSHIELD_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)


def test_blocked_package_exits_1_and_fail_on_never_exits_0(capsys) -> None:
    assert main(["package", str(EXAMPLE), "--offline"]) == 1
    assert "BLOCK" in capsys.readouterr().out
    assert main(["package", str(EXAMPLE), "--offline", "--fail-on", "never"]) == 0
    assert main(["package", str(BENIGN), "--offline"]) == 0


def test_json_follows_the_schema_1_contract(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    main(["package", str(EXAMPLE), "--offline", "--format", "json", "--output", str(out)])
    report = json.loads(out.read_text())
    assert report["schema"] == 1 and report["tool"]["name"] == "depshield"
    (pkg,) = report["packages"]
    assert {
        "ecosystem",
        "name",
        "version",
        "purl",
        "verdict",
        "scores",
        "capabilities",
        "alerts",
        "skipped",
    } <= set(pkg)
    assert pkg["purl"] == "pkg:npm/example-credential-stealer@1.0.1"
    assert set(pkg["scores"]) == {
        "supplyChain",
        "quality",
        "maintenance",
        "vulnerability",
        "license",
        "overall",
    }
    alert = next(a for a in pkg["alerts"] if a["type"] == "dataExfiltration")
    assert (alert["severity"], alert["action"], alert["file"], alert["line"]) == (
        "critical",
        "error",
        "collect.js",
        9,
    )
    assert alert["props"]["when"] == "install"
    assert "net" in pkg["capabilities"] and "env" not in pkg["alerts"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["package", "./missing.tgz"], 2, "no such file or directory: './missing.tgz'"),
        (["package", "what-is-this"], 2, "cannot tell what 'what-is-this' is"),
        (["package", "npm:left-pad@1.3.0", "--offline"], 3, "--offline: cannot fetch"),
        (
            ["package", str(EXAMPLE), "--config", "nope.toml"],
            2,
            "config file 'nope.toml' not found",
        ),
    ],
)
def test_bad_input_is_one_line_with_exit_code(args, code, message, capsys) -> None:
    assert main(args) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.startswith("depshield: error: ")


def test_corrupt_tarball_is_a_clear_message(tmp_path: Path, capsys) -> None:
    broken = tmp_path / "broken.tgz"
    broken.write_bytes(gzip.compress(b"not a tar at all" * 100)[:50])
    code = main(["package", str(broken), "--offline"])
    err = capsys.readouterr().err
    assert code == 2 and "broken.tgz" in err and "Traceback" not in err


def test_invalid_package_json_is_an_alert_not_a_crash(tmp_path: Path, capsys) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "package.json").write_text('{"name": "x", "version": ')
    (pkg / "index.js").write_text("module.exports = 1;\n")
    main(["package", str(pkg), "--offline", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    types = {a["type"]: a for a in report["packages"][0]["alerts"]}
    assert types["invalidPackageJSON"]["file"] == "package.json"
    assert types["invalidPackageJSON"]["line"] == 1


def test_unknown_package_name_exits_5_not_3(
    registry_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """A typo'd name is "not found" (5), told apart from an outage (3); issue 12."""
    from support.registry_server import isolate_env

    isolate_env(monkeypatch, tmp_path)
    monkeypatch.setenv("npm_config_registry", registry_server.url + "npm/")
    assert main(["package", "npm:no-such-pkg@1.0.0"]) == 5
    err = capsys.readouterr().err
    assert "'no-such-pkg' not found at 127.0.0.1:" in err
    assert err.count("\n") <= 2 and "Traceback" not in err


def test_pypi_package_analyses_what_pip_would_install_and_names_it(
    registry_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """`package pypi:NAME` takes the file `scan` takes: a wheel for this machine, else the sdist."""
    import io
    import zipfile

    from support.registry_server import isolate_env, load_doc, make_tgz, sha256_hex

    from depshield.ecosystems.pypi.choice import pick_by

    isolate_env(monkeypatch, tmp_path)
    monkeypatch.setenv("PIP_INDEX_URL", registry_server.url + "simple/")
    doc = load_doc("pypi/sampleproj.json", registry_server.url)
    for entry in doc["urls"]:
        if entry["filename"].endswith(".whl"):
            raw = io.BytesIO()
            with zipfile.ZipFile(raw, "w") as whl:
                whl.writestr("sampleproj/__init__.py", "VALUE = 1\n")
            data = raw.getvalue()
        else:
            data = make_tgz({"PKG-INFO": b"Name: sampleproj\n"}, "sampleproj-2.0.0")
        entry["digests"]["sha256"] = sha256_hex(data)
        registry_server.bytes("/packages/" + entry["url"].split("/packages/")[1], data)
    registry_server.json("/pypi/sampleproj/json", doc)
    expected = pick_by([e["filename"] for e in doc["urls"]], lambda name: name)
    assert expected is not None and expected.endswith(".whl")  # a pure wheel fits any machine
    main(["package", "pypi:sampleproj"])
    out = capsys.readouterr().out
    assert f"({expected})" in out and "sampleproj-2.0.0.tar.gz" not in out
    main(["package", "pypi:sampleproj", "--artifact", "sdist", "--format", "json"])
    assert (
        json.loads(capsys.readouterr().out)["packages"][0]["artifact"] == "sampleproj-2.0.0.tar.gz"
    )
