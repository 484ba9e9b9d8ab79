"""Failing on known vulnerabilities (`--fail-on-vuln`, `fail-on-vuln`) and ignoring advisories by
id with a reason and an expiry (`--ignore-vuln`, `[[ignore]] id = ...`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.registry_server import FIXTURES, RegistryServer, Reply, isolate_env, make_tgz, sri

from depshield.cli.main import main
from depshield.model import PackageRef
from depshield.policy import Ignore, Policy
from depshield.vulns import registry

BULK = "/npm/-/npm/v1/security/advisories/bulk"
REPLY = (FIXTURES / "advisories" / "npm-bulk-lodash.json").read_bytes()
SPEC = "npm:lodash@4.17.4"


@pytest.fixture(autouse=True)
def lodash(
    registry_server: RegistryServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Path:
    """lodash 4.17.4 at the loopback registry, with its recorded bulk advisories; cwd = tmp."""
    isolate_env(monkeypatch, tmp_path)
    monkeypatch.setattr(registry, "_unserved", set())
    monkeypatch.setattr(registry, "_caches", {})
    monkeypatch.setenv("npm_config_registry", registry_server.url + "npm/")
    manifest = {"name": "lodash", "version": "4.17.4", "main": "index.js", "license": "MIT"}
    tgz = make_tgz({"package.json": json.dumps(manifest).encode(), "index.js": b"exports.x = 1\n"})
    tarball = f"{registry_server.url}npm/lodash/-/lodash-4.17.4.tgz"
    version = {**manifest, "dist": {"integrity": sri(tgz), "tarball": tarball}}
    doc = {"name": "lodash", "dist-tags": {"latest": "4.17.4"}, "versions": {"4.17.4": version}}
    registry_server.json("/npm/lodash", doc)
    registry_server.bytes("/npm/lodash/-/lodash-4.17.4.tgz", tgz)
    registry_server.post(BULK, Reply(200, REPLY, {"Content-Type": "application/json"}))
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    return project


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["package", SPEC, "--format", "json", *args])
    captured = capsys.readouterr()
    return code, json.loads(captured.out)["packages"][0], captured.err


def ids(pkg: dict[str, Any]) -> list[str]:
    return sorted(a["props"]["id"] for a in pkg["alerts"] if a["category"] == "vulnerability")


def test_fail_on_vuln_never_passes_what_was_not_checked(
    registry_server: RegistryServer, capsys: pytest.CaptureFixture[str]
) -> None:
    registry_server.post(BULK, Reply(503, b"down", {"Content-Type": "text/plain"}))
    code, pkg, err = run(capsys)
    assert code == 0 and pkg["scores"]["vulnerability"] is None  # not asked: the verdict counts
    code, pkg, err = run(capsys, "--fail-on-vuln", "high")
    assert code == 6 and pkg["scores"]["vulnerability"] is None
    assert "not checked for npm:lodash@4.17.4" in err and "Tip: run `depshield db update`" in err


def test_without_fail_on_vuln_only_the_verdict_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code, pkg, _ = run(capsys)
    assert pkg["verdict"] == "warn" and code == 0  # criticalCVE warns; --fail-on block


def test_fail_on_vuln_exits_1_and_names_the_advisory(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--fail-on-vuln", "critical")
    assert code == 1
    assert err == (
        "depshield: known vulnerability at or above --fail-on-vuln: "
        "npm:lodash@4.17.4: GHSA-jf85-cpcp-j695 (critical)\n"
    )


def test_ignore_vuln_by_id_or_alias_then_the_threshold_decides(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ignore = ["--ignore-vuln", "GHSA-jf85-cpcp-j695", "--ignore-vuln", "npm-1106914"]  # an alias
    code, pkg, _ = run(capsys, *ignore, "--fail-on-vuln", "high")
    assert ids(pkg) == ["GHSA-29mw-wpgm-hmr9"] and code == 0  # only a moderate one is left
    assert "GHSA-jf85-cpcp-j695 ignored: --ignore-vuln on the command line" in pkg["notes"]
    code, _, err = run(capsys, *ignore, "--fail-on-vuln", "medium")
    assert code == 1 and "GHSA-29mw-wpgm-hmr9 (middle)" in err


def config(project: Path, text: str) -> None:
    (project / "depshield.toml").write_text(text)


def test_config_ignore_with_reason_and_expiry_and_policy_threshold(
    lodash: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config(
        lodash,
        'fail-on-vuln = "critical"\n\n[[ignore]]\nid = "GHSA-jf85-cpcp-j695"\n'
        'reason = "not reachable: we never merge user objects"\nexpires = 2099-01-31\n',
    )
    code, pkg, _ = run(capsys)
    assert code == 0 and "GHSA-jf85-cpcp-j695" not in ids(pkg)
    assert (
        "GHSA-jf85-cpcp-j695 ignored until 2099-01-31: not reachable: we never merge user objects"
        in pkg["notes"]
    )
    code, _, _ = run(capsys, "--fail-on-vuln", "high")  # the flag overrides the policy key
    assert code == 1


def test_an_expired_ignore_stops_applying_and_says_so(
    lodash: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config(
        lodash,
        'fail-on-vuln = "critical"\n\n[[ignore]]\nid = "GHSA-jf85-cpcp-j695"\n'
        'reason = "waiting for 4.17.12"\nexpires = 2020-01-31\n',
    )
    code, pkg, _ = run(capsys)
    assert code == 1 and "GHSA-jf85-cpcp-j695" in ids(pkg)
    assert (
        "ignore for GHSA-jf85-cpcp-j695 expired on 2020-01-31 (waiting for 4.17.12): "
        "it applies no longer" in pkg["notes"]
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('fail-on-vuln = "severe"\n', "fail-on-vuln must be critical, high, medium, low or never"),
        ('[[ignore]]\nid = "GHSA-jf85-cpcp-j695"\n', "needs a package or an advisory id, and a"),
    ],
)
def test_config_errors_are_one_line_exit_2(
    lodash: Path, text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config(lodash, text)
    assert main(["package", SPEC]) == 2
    err = capsys.readouterr().err
    assert message in err and "depshield.toml" in err and "Traceback" not in err


def test_an_advisory_ignore_never_covers_a_whole_package() -> None:
    entry = Ignore(package="lodash", reason="r", advisory="GHSA-x")
    policy = Policy(ignores=(entry,))
    ref = PackageRef("npm", "lodash", "4.17.4")
    assert policy.ignore_for(ref, "installScripts") is None
    assert policy.advisory_ignores(ref, ["ghsa-x"]) == [entry]
    assert policy.advisory_ignores(PackageRef("npm", "other", "1.0.0"), ["GHSA-x"]) == []
