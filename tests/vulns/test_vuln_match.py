"""Matching package versions against imported records: findings, aliases, withdrawn, malware."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from vuln_support import FIXTURES, build_db

from depshield.model import PackageRef
from depshield.vulns.match import EMPTY_NOTE, findings_for, lookup, vulnerabilities_for


def ids(db: Path, ecosystem: str, name: str, version: str | None) -> list[str]:
    return [v.id for v in vulnerabilities_for(ecosystem, name, version, db=db)]


def test_requests_2_19_0_gets_a_cve_finding_with_every_prop(fixture_db: Path) -> None:
    (finding,) = findings_for(PackageRef("pypi", "requests", "2.19.0"), db=fixture_db)
    assert finding.type == "mediumCVE"  # PYSEC records carry no severity: unknown is medium
    assert (finding.file, finding.line) == ("", 0)
    assert finding.evidence.startswith("The Requests package before 2.20.0")
    props = finding.props
    assert props["id"] == "PYSEC-2018-28"
    assert props["aliases"] == ["CVE-2018-18074", "GHSA-x84v-xcm2-53pg"]
    assert props["range"] == "< 2.20.0"
    assert props["firstPatched"] == "2.20.0"
    assert props["suggestion"] == "upgrade to 2.20.0"
    assert props["cvss"] is None and props["vector"] is None
    assert props["url"].endswith("GHSA-x84v-xcm2-53pg") or props["url"].startswith("https://")


def test_fixed_version_and_pep503_names(fixture_db: Path) -> None:
    assert ids(fixture_db, "pypi", "requests", "2.20.0") == []
    assert ids(fixture_db, "pypi", "Requests", "2.19.1") == ["PYSEC-2018-28"]
    assert ids(fixture_db, "pypi", "ACCESS_control", "4.1") == []  # not the same normalised name
    assert ids(fixture_db, "pypi", "Access.Control", "4.1") == []
    assert ids(fixture_db, "pypi", "AccessControl", "4.1") == ["PYSEC-2021-335"]
    assert ids(fixture_db, "pypi", "accesscontrol", "4.3") == []


def test_npm_names_are_exact(fixture_db: Path) -> None:
    assert ids(fixture_db, "npm", "jsonwebtoken", "8.5.1") == ["GHSA-27h2-hvpr-p74q"]
    assert ids(fixture_db, "npm", "JSONWebToken", "8.5.1") == []
    # GHSA-8hc4-vh64-cxmj names the package "Axios": npm names are compared as written.
    assert ids(fixture_db, "npm", "Axios", "1.7.3") == ["GHSA-8hc4-vh64-cxmj"]


def test_aliases_merge_into_one_finding_with_first_seen_id(fixture_db: Path) -> None:
    (vuln,) = vulnerabilities_for("pypi", "distributed", "2021.9.1", db=fixture_db)
    assert vuln.id == "PYSEC-2021-871"
    assert vuln.aliases == (
        "CVE-2021-42343",
        "GHSA-hwqr-f3v9-hwxr",
        "GHSA-j8fq-86c5-5v2r",
        "PYSEC-2021-872",
    )
    assert ids(fixture_db, "pypi", "distributed", "2021.10.0") == []


def test_withdrawn_record_is_excluded_but_its_live_twin_matches(tmp_path: Path) -> None:
    withdrawn = FIXTURES / "withdrawn" / "PYSEC-2023-73.json"
    db = build_db(tmp_path / "w.sqlite", withdrawn)
    assert ids(db, "pypi", "redis", "4.5.4") == []
    live = json.loads(withdrawn.read_text(encoding="utf-8"))
    del live["withdrawn"]
    (tmp_path / "live").mkdir()
    (tmp_path / "live" / "PYSEC-2023-73.json").write_text(json.dumps(live), encoding="utf-8")
    db_live = build_db(tmp_path / "l.sqlite", tmp_path / "live")
    assert ids(db_live, "pypi", "redis", "4.5.4") == ["PYSEC-2023-73"]


def test_cvss_v3_v4_and_label_severities_map_to_alert_types(fixture_db: Path) -> None:
    cases = {
        ("jsonwebtoken", "8.5.1"): ("cve", 7.6, "CVSS:3.1/"),
        ("rollup", "4.0.0"): ("cve", 8.3, "CVSS:4.0/"),  # v4 only
        ("body-parser", "1.20.2"): ("cve", 8.7, "CVSS:4.0/"),  # v3 7.5, v4 8.7: the higher
        ("express", "4.19.2"): ("mediumCVE", 5.0, "CVSS:3.1/"),  # v3 5.0, v4 2.3: the higher
        ("node-fetch", "2.6.6"): ("cve", 8.8, "CVSS:3.0/"),  # a CVSS 3.0 vector
        ("vm2", "3.9.0"): ("criticalCVE", 9.8, "CVSS:3.1/"),
        ("lodash", "4.17.10"): ("cve", None, None),  # no vector: database_specific HIGH
        ("cookie", "0.6.0"): ("mildCVE", None, None),  # LOW
        ("handlebars", "4.0.0"): None,  # not in the fixtures at all
    }
    for (name, version), expected in cases.items():
        found = findings_for(PackageRef("npm", name, version), db=fixture_db)
        if expected is None:
            assert found == []
            continue
        (finding,) = found
        alert, score, prefix = expected
        assert finding.type == alert, name
        assert finding.props["cvss"] == score, name
        assert (finding.props["vector"] or "").startswith(prefix or ""), name


def test_last_affected_has_no_fix_and_says_so(fixture_db: Path) -> None:
    (finding,) = findings_for(PackageRef("npm", "vm2", "3.9.19"), db=fixture_db)
    assert finding.type == "criticalCVE"
    assert finding.props["range"] == "<= 3.9.19"
    assert finding.props["firstPatched"] is None
    assert finding.props["suggestion"].startswith("no fixed version is known")
    assert findings_for(PackageRef("npm", "vm2", "3.9.20"), db=fixture_db) == []


def test_invalid_versions_give_a_note_not_a_crash(fixture_db: Path) -> None:
    notes: list[str] = []
    assert vulnerabilities_for("pypi", "requests", "2004d", notes, db=fixture_db) == []
    assert any("'2004d' is not a valid pep440 version" in n for n in notes)
    notes = []
    assert vulnerabilities_for("npm", "jsonwebtoken", "eight", notes, db=fixture_db) == []
    assert notes


def test_record_notes_surface_when_the_record_matches(fixture_db: Path) -> None:
    result = lookup("npm", "protobufjs", "7.2.3", fixture_db)
    assert [v.id for v in result.vulnerabilities] == ["GHSA-h755-8qp9-cq85"]
    assert any("7.2.4, 6.11.4" in note for note in result.notes)


def test_mixed_ecosystem_record_matches_only_its_npm_entry(fixture_db: Path) -> None:
    assert ids(fixture_db, "npm", "moment", "2.29.1") == ["GHSA-8hfj-j24r-96c4"]
    assert ids(fixture_db, "npm", "Moment.js", "2.29.1") == []  # the NuGet package's name


def test_malware_findings_from_the_threat_feed(fixture_db: Path) -> None:
    (finding,) = findings_for(PackageRef("pypi", "zlibsrc", "0.0.1"), db=fixture_db)
    assert finding.type == "malware"
    assert finding.props["id"] == "MAL-2022-7430"
    assert finding.props["source"] == "ghsa-malware"
    assert finding.props["summary"] == "Malicious code in zlibsrc (PyPI)"
    assert finding.evidence == "Malicious code in zlibsrc (PyPI)"
    # The package it impersonated is not malware.
    assert findings_for(PackageRef("pypi", "zlib", "1.0"), db=fixture_db) == []


def test_malware_versions_and_semver_ranges(fixture_db: Path) -> None:
    assert ids(fixture_db, "npm", "@ledgerhq/connect-kit", "1.1.6") == ["MAL-2023-8697"]
    assert ids(fixture_db, "npm", "@ledgerhq/connect-kit", "1.1.8") == []
    assert ids(fixture_db, "npm", "@ledgerhq/connect-kit", "1.1.4") == []
    assert ids(fixture_db, "pypi", "colprama", "1.0.0") == ["MAL-2024-4989"]
    assert ids(fixture_db, "pypi", "colprama", "1.0.1") == []


def test_without_a_version_only_every_version_records_apply(fixture_db: Path) -> None:
    notes: list[str] = []
    found = findings_for(PackageRef("pypi", "zlibsrc", None), notes, db=fixture_db)
    assert [f.type for f in found] == ["malware"]
    assert findings_for(PackageRef("pypi", "requests", None), db=fixture_db) == []


def test_no_database_gives_nothing_and_a_note(tmp_path: Path) -> None:
    notes: list[str] = []
    ref = PackageRef("npm", "left-pad", "1.3.0")
    assert findings_for(ref, notes, db=tmp_path / "none.sqlite") == []
    assert notes == [EMPTY_NOTE]
    assert not (tmp_path / "none.sqlite").exists()


def test_default_database_is_under_depshield_home(isolated_home: Path) -> None:
    notes: list[str] = []
    assert findings_for(PackageRef("pypi", "requests", "2.19.0"), notes) == []
    assert notes == [EMPTY_NOTE]
    build_db(isolated_home / "osv.sqlite", FIXTURES / "pypi")
    found = findings_for(PackageRef("pypi", "requests", "2.19.0"))
    assert [f.props["id"] for f in found] == ["PYSEC-2018-28"]


def test_cache_notices_a_later_import(tmp_path: Path) -> None:
    db = build_db(tmp_path / "db.sqlite", FIXTURES / "pypi" / "PYSEC-2021-335.json")
    assert ids(db, "pypi", "requests", "2.19.0") == []
    build_db(db, FIXTURES / "pypi" / "PYSEC-2018-28.json")
    assert ids(db, "pypi", "requests", "2.19.0") == ["PYSEC-2018-28"]


def test_unknown_ecosystem_is_a_note(fixture_db: Path) -> None:
    result = lookup("cargo", "serde", "1.0.0", fixture_db)
    assert result.vulnerabilities == () and "cargo" in result.notes[0]


def test_malware_record_merged_with_its_ghsa_alias_stays_malware(tmp_path: Path) -> None:
    # A GHSA record (written for this test) that MAL-2023-8697 lists as its alias.
    ghsa = {
        "id": "GHSA-g9hp-hq3h-h6hx",
        "modified": "2023-12-14T20:00:00Z",
        "summary": "@ledgerhq/connect-kit contains malicious code",
        "aliases": [],
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": "@ledgerhq/connect-kit"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "1.1.5"}, {"fixed": "1.1.8"}]}
                ],
            }
        ],
        "database_specific": {"severity": "CRITICAL"},
    }
    (tmp_path / "ghsa").mkdir()
    (tmp_path / "ghsa" / "GHSA-g9hp-hq3h-h6hx.json").write_text(json.dumps(ghsa), encoding="utf-8")
    db = build_db(tmp_path / "db.sqlite", FIXTURES / "malicious", tmp_path / "ghsa")
    (finding,) = findings_for(PackageRef("npm", "@ledgerhq/connect-kit", "1.1.7"), db=db)
    assert finding.type == "malware"
    assert finding.props["id"] == "MAL-2023-8697"  # first seen
    assert finding.props["aliases"] == ["GHSA-g9hp-hq3h-h6hx"]
    assert finding.props["source"] == "ghsa-malware"


def test_affected_entries_without_a_package_are_ignored(tmp_path: Path) -> None:
    record = {
        "id": "GIT-ONLY-1",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {"ranges": [{"type": "GIT", "repo": "https://example.invalid/r", "events": []}]},
            {"package": {"ecosystem": "npm", "name": "left-pad"}, "versions": ["1.3.0"]},
        ],
    }
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "GIT-ONLY-1.json").write_text(json.dumps(record), encoding="utf-8")
    db = build_db(tmp_path / "db.sqlite", tmp_path / "in")
    assert ids(db, "npm", "left-pad", "1.3.0") == ["GIT-ONLY-1"]
    assert ids(db, "npm", "left-pad", "1.3.1") == []


def test_a_corrupt_database_is_a_note_not_a_crash(tmp_path: Path) -> None:
    broken = tmp_path / "osv.sqlite"
    broken.write_bytes(b"this is not an sqlite database" * 100)
    result = lookup("npm", "left-pad", "1.3.0", broken)
    assert result.vulnerabilities == ()
    assert "cannot open vulnerability database" in result.notes[0]


def test_a_forked_child_opens_its_own_connection(
    fixture_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from depshield.vulns import match

    parent = match.matcher(fixture_db)
    assert parent is not None and match.matcher(fixture_db) is parent
    monkeypatch.setattr(match.os, "getpid", lambda: parent.pid + 1)
    child = match.matcher(fixture_db)
    assert child is not None and child is not parent
    assert ids(fixture_db, "pypi", "requests", "2.19.0") == ["PYSEC-2018-28"]
