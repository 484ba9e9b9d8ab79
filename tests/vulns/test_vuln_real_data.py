"""Matching against the real OSV data in shared/data/osv, with checks generated from the records."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from functools import cmp_to_key
from pathlib import Path
from typing import Any

import pytest
from nodesemver import make_semver
from vuln_support import REPO, build_db

from depshield.model import PackageRef
from depshield.vulns.match import db_status, findings_for, vulnerabilities_for
from depshield.vulns.ranges import compile_range, includes
from depshield.vulns.versions import version_key


def known_ids(db: Path, ecosystem: str, name: str, version: str) -> set[str]:
    found = set()
    for vuln in vulnerabilities_for(ecosystem, name, version, db=db):
        found |= {vuln.id, *vuln.aliases}
    return found


def test_requests_2_19_0_matches_pysec_2018_28(pypi_db: Path) -> None:
    assert "PYSEC-2018-28" in known_ids(pypi_db, "pypi", "requests", "2.19.0")
    assert "PYSEC-2018-28" not in known_ids(pypi_db, "pypi", "requests", "2.20.0")


def test_real_alias_pair_is_one_finding(pypi_db: Path) -> None:
    found = [v for v in vulnerabilities_for("pypi", "distributed", "2021.9.1", db=pypi_db)]
    merged = [v for v in found if "CVE-2021-42343" in v.aliases]
    assert len(merged) == 1
    assert {merged[0].id, *merged[0].aliases} >= {"PYSEC-2021-871", "PYSEC-2021-872"}


def test_real_withdrawn_record_is_never_matched(pypi_db: Path) -> None:
    assert "PYSEC-2023-73" not in known_ids(pypi_db, "pypi", "redis", "4.5.4")
    assert db_status(pypi_db).withdrawn == 10


def _pypi_records(osv_data: Path) -> Iterator[dict[str, Any]]:
    with zipfile.ZipFile(osv_data / "pypi-pypa-advisory-database.zip") as archive:
        for name in archive.namelist():
            yield json.loads(archive.read(name))


def test_listed_versions_of_every_live_pypi_record_match(osv_data: Path, pypi_db: Path) -> None:
    """Each record's own `versions` list (up to three per record) must find the record."""
    missed = []
    checked = 0
    for record in _pypi_records(osv_data):
        if record.get("withdrawn"):
            continue
        for affected in record["affected"]:
            for version in (affected.get("versions") or [])[:3]:
                checked += 1
                name = affected["package"]["name"]
                if record["id"] not in known_ids(pypi_db, "pypi", name, version):
                    missed.append((record["id"], name, version))
    assert checked > 5000
    assert missed == []


# --- the npm GHSA sample: boundary versions generated from each range -------------------------


def _semver_cmp(a: str, b: str) -> int:
    return int(make_semver(a, True).compare(make_semver(b, True)))


def _parses(text: str) -> bool:
    return version_key("semver", text) is not None


def _below(version: str) -> str | None:
    """The release just below a plain release (x.y.z -> x.y.(z-1), x.y.0 -> x.(y-1).999)."""
    parsed = make_semver(version, True)
    if parsed.prerelease:
        return None
    major, minor, patch = parsed.major, parsed.minor, parsed.patch
    if patch:
        return f"{major}.{minor}.{patch - 1}"
    if minor:
        return f"{major}.{minor - 1}.999"
    return f"{major - 1}.999.999" if major else None


def _after(version: str) -> str:
    parsed = make_semver(version, True)
    return f"{parsed.major}.{parsed.minor}.{parsed.patch + 1}"


def boundary_cases(sample: Path) -> Iterator[tuple[str, str, dict[str, Any], str, str, bool]]:
    """(record id, package, range, label, version, expected) for every npm range's boundaries."""
    for file in sorted(sample.rglob("*.json")):
        record = json.loads(file.read_text(encoding="utf-8"))
        for affected in record["affected"]:
            if affected["package"]["ecosystem"] != "npm":
                continue
            name = affected["package"]["name"]
            for rng in affected.get("ranges", []):
                if rng["type"] not in ("ECOSYSTEM", "SEMVER"):
                    continue
                events = [(k, v) for e in rng["events"] for k, v in e.items()]
                usable = [
                    (k, v) for k, v in events if (k == "introduced" and v == "0") or _parses(v)
                ]
                usable.sort(key=cmp_to_key(lambda a, b: _order(a[1], b[1])))
                low = "0"
                for kind, value in usable:
                    if kind == "introduced":
                        low = value
                        if value != "0":
                            yield record["id"], name, rng, "introduced", value, True
                    elif kind == "fixed":
                        yield record["id"], name, rng, "fixed", value, False
                        below = _below(value)
                        if below and (low == "0" or _semver_cmp(below, low) >= 0):
                            yield record["id"], name, rng, "below fixed", below, True
                    elif kind == "last_affected":
                        yield record["id"], name, rng, "last_affected", value, True
                        yield record["id"], name, rng, "after last_affected", _after(value), False


def _order(a: str, b: str) -> int:
    if a == "0" or b == "0":
        return (a != "0") - (b != "0")
    return _semver_cmp(a, b)


@pytest.fixture(scope="module")
def npm_db(osv_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("npm-db") / "osv.sqlite"
    return build_db(path, osv_data / "npm-ghsa-sample")


def test_npm_sample_boundaries(osv_data: Path, npm_db: Path) -> None:
    cases = list(boundary_cases(osv_data / "npm-ghsa-sample"))
    labels = {label for *_, label, _, _ in cases}
    assert labels == {"introduced", "fixed", "below fixed", "last_affected", "after last_affected"}
    failures = []
    for record_id, name, rng, label, version, expected in cases:
        if expected:
            # The whole lookup path must report the record (possibly merged under an alias).
            ok = record_id in known_ids(npm_db, "npm", name, version)
        else:
            # Other ranges of the same record may legitimately cover this version: check the range.
            compiled = compile_range(rng, "npm", [])
            key = version_key("semver", version)
            ok = compiled is not None and key is not None and not includes(compiled, key)
        if not ok:
            failures.append((record_id, name, label, version))
    assert len(cases) > 200
    assert failures == []


# --- the malicious-packages threat feed ---------------------------------------------------------


def _probe_version(affected: dict[str, Any]) -> str:
    if affected.get("versions"):
        return str(affected["versions"][0])
    for rng in affected.get("ranges", []):
        for event in rng["events"]:
            if event.get("introduced", "0") != "0":
                return str(event["introduced"])
    return "1.0.0"


@pytest.fixture(scope="module")
def malicious_db(osv_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mal-db") / "osv.sqlite"
    return build_db(path, osv_data / "malicious-sample.zip")


def test_every_listed_malicious_package_matches_malware(osv_data: Path, malicious_db: Path) -> None:
    missed = []
    with zipfile.ZipFile(osv_data / "malicious-sample.zip") as archive:
        for member in archive.namelist():
            record = json.loads(archive.read(member))
            affected = record["affected"][0]
            ecosystem = "npm" if affected["package"]["ecosystem"] == "npm" else "pypi"
            ref = PackageRef(ecosystem, affected["package"]["name"], _probe_version(affected))
            found = findings_for(ref, db=malicious_db)
            if not any(
                f.type == "malware" and record["id"] in {f.props["id"], *f.props["aliases"]}
                for f in found
            ):
                missed.append((record["id"], str(ref)))
    assert missed == []


def test_lookalike_names_of_malicious_packages_do_not_match(malicious_db: Path) -> None:
    assert findings_for(PackageRef("pypi", "zlib", "1.0.0"), db=malicious_db) == []
    assert findings_for(PackageRef("npm", "react", "18.2.0"), db=malicious_db) == []


def test_the_threat_feed_is_never_imported_or_bundled_by_default(isolated_home: Path) -> None:
    assert db_status().empty and not (isolated_home / "osv.sqlite").exists()
    shipped = REPO / "src" / "depshield"
    bundled = [p for p in shipped.rglob("*") if p.is_file() and p.suffix in {".json", ".zip"}]
    assert not [p for p in bundled if b'"MAL-' in p.read_bytes()]
