"""CycloneDX 1.6 SBOM: valid against the official schema (offline), components, graph, serial."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from depshield.model import PackageRef
from depshield.reports.base import Report
from depshield.reports.cyclonedx import PROJECT_REF, render
from depshield.reports.formats import renderer

jsonschema = pytest.importorskip("jsonschema")
referencing = pytest.importorskip("referencing")

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
BASE = "http://cyclonedx.org/schema/"


@functools.cache
def validator(schemas: Path) -> Any:
    """The bom-1.6 schema with its two references served from disk: no network at all."""
    from referencing.jsonschema import DRAFT7

    def load(name: str) -> Any:
        return json.loads((schemas / name).read_text(encoding="utf-8"))

    bom = load("bom-1.6.SNAPSHOT.schema.json")
    resources = [
        (BASE + "bom-1.6.schema.json", bom),
        (BASE + "spdx.SNAPSHOT.schema.json", load("spdx.SNAPSHOT.schema.json")),
        (BASE + "jsf-0.82.SNAPSHOT.schema.json", load("jsf-0.82.SNAPSHOT.schema.json")),
    ]

    def refuse(uri: str) -> Any:
        raise AssertionError(f"schema reference {uri!r} is not available offline")

    registry = referencing.Registry(retrieve=refuse).with_resources(
        (uri, DRAFT7.create_resource(contents)) for uri, contents in resources
    )
    cls = jsonschema.validators.validator_for(bom)
    cls.check_schema(bom)
    return cls(bom, registry=registry, format_checker=cls.FORMAT_CHECKER)


def validate(document: dict[str, Any], schemas: Path) -> None:
    errors = sorted(validator(schemas).iter_errors(document), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
    assert document["version"] == 1  # the SNAPSHOT schema no longer requires it; we do


def bom(report: Report, now: datetime = NOW) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(render(report, now=now))
    return document


def component(document: dict[str, Any], purl: str) -> dict[str, Any]:
    found = [c for c in document["components"] if c["bom-ref"] == purl]
    assert len(found) == 1
    return found[0]


def props(entry: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["name"], p["value"]) for p in entry["properties"]]


def test_scan_and_package_boms_validate(
    scan_report: Report, package_report: Report, schemas: Path
) -> None:
    validate(bom(scan_report), schemas)
    validate(bom(package_report), schemas)
    validate(bom(Report(packages=[])), schemas)
    validate(json.loads(renderer("cyclonedx")(scan_report)), schemas)


def test_the_validator_uses_the_referenced_spdx_list(scan_report: Report, schemas: Path) -> None:
    document = bom(scan_report)
    document["components"][0]["licenses"] = [{"license": {"id": "Not-An-SPDX-Id"}}]
    with pytest.raises(AssertionError, match="Not-An-SPDX-Id"):
        validate(document, schemas)
    document["components"][0]["licenses"] = [{"license": {"id": "MIT"}}]
    validate(document, schemas)


def test_header(scan_report: Report) -> None:
    document = bom(scan_report)
    assert document["bomFormat"] == "CycloneDX"
    assert document["specVersion"] == "1.6"
    assert document["metadata"]["timestamp"] == "2026-01-02T03:04:05Z"
    tool = document["metadata"]["tools"]["components"][0]
    assert (tool["name"], tool["type"]) == ("depshield", "application")
    assert document["metadata"]["component"]["name"] == "shop"
    assert uuid.UUID(document["serialNumber"].removeprefix("urn:uuid:")).version == 5


def test_serial_number_depends_on_content_not_time_or_order(
    scan_report: Report, shuffle: Callable[[Report, int], Report]
) -> None:
    first = bom(scan_report)
    later = bom(shuffle(scan_report, 7), now=datetime(2030, 1, 1, tzinfo=UTC))
    assert later["serialNumber"] == first["serialNumber"]
    assert later["components"] == first["components"]
    assert later["dependencies"] == first["dependencies"]
    other = replace(scan_report, packages=list(scan_report.packages)[1:])
    assert bom(other)["serialNumber"] != first["serialNumber"]


def test_timestamp_honours_source_date_epoch(
    package_report: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    document = json.loads(render(package_report))
    assert document["metadata"]["timestamp"] == "2023-11-14T22:13:20Z"


def test_components_carry_purl_group_hash_and_verdict(scan_report: Report) -> None:
    document = bom(scan_report)
    evil = component(document, "pkg:npm/%40evil/stealer@1.0.3")
    assert (evil["type"], evil["group"], evil["name"], evil["version"]) == (
        "library",
        "@evil",
        "stealer",
        "1.0.3",
    )
    assert evil["purl"] == evil["bom-ref"]
    assert evil["hashes"] == [{"alg": "SHA-256", "content": "ab" * 32}]
    assert ("depshield:verdict", "block") in props(evil)
    assert ("depshield:score:overall", "5") in props(evil)
    assert ("depshield:score:supplyChain", "5") in props(evil)
    assert ("depshield:capability", "net") in props(evil)
    assert ("depshield:alert", "dataExfiltration (critical, error)") in props(evil)
    assert not any(v.startswith("envVars") for _, v in props(evil))  # ignored: not shown
    assert ("depshield:deep:verdict", "block") in props(evil)
    reqz = component(document, "pkg:pypi/requestz@0.1.0")
    assert "group" not in reqz
    assert reqz["hashes"] == [{"alg": "SHA-256", "content": "cd" * 32}]  # "sha256:" form
    broken = component(document, "pkg:npm/broken-pkg@1.0.0")
    assert "hashes" not in broken
    assert ("depshield:skipped", "download failed: 404 for 'broken-pkg'") in props(broken)
    assert [c["bom-ref"] for c in document["components"]] == sorted(
        p.ref.purl for p in scan_report.packages
    )


def test_sri_digests_and_junk_digests(package_report: Report, schemas: Path) -> None:
    import base64
    import hashlib

    raw = hashlib.sha512(b"x").digest()
    cases = {
        "sha512-" + base64.b64encode(raw).decode(): [{"alg": "SHA-512", "content": raw.hex()}],
        "sha256-nothex": [],
        "md5-abcd": [],
    }
    for digest, expected in cases.items():
        package = replace(package_report.packages[0], digest=digest)
        document = bom(Report(packages=[package]))
        validate(document, schemas)
        assert document["components"][0].get("hashes", []) == expected


def test_dependencies_follow_the_edges(scan_report: Report) -> None:
    graph = {d["ref"]: d["dependsOn"] for d in bom(scan_report)["dependencies"]}
    refs = {p.ref.purl for p in scan_report.packages}
    assert set(graph) == refs | {PROJECT_REF}
    assert graph["pkg:npm/express@4.19.2"] == ["pkg:npm/body-parser@1.20.2"]
    assert graph["pkg:npm/qs@6.11.0"] == ["pkg:npm/body-parser@1.20.2", "pkg:npm/left-padx@2.0.0"]
    assert graph["pkg:npm/left-padx@2.0.0"] == []
    # The --prod scan left dev-only out: no dangling reference to it.
    assert "pkg:npm/dev-only@1.0.0" not in graph[PROJECT_REF]
    assert "pkg:npm/express@4.19.2" in graph[PROJECT_REF]


def test_package_report_has_no_project_and_no_graph(package_report: Report) -> None:
    document = bom(package_report)
    assert "component" not in document["metadata"]
    assert "dependencies" not in document  # unknown, not "depends on nothing"


def test_licenses_only_when_an_alert_recorded_one(package_report: Report, schemas: Path) -> None:
    from depshield.model import Alert

    license_alert = Alert(
        "copyleftLicense",
        "license",
        "low",
        "monitor",
        "Copyleft license",
        "",
        props={"license": "GPL-3.0-only OR MIT"},
    )
    package = replace(package_report.packages[0], alerts=(license_alert,))
    document = bom(Report(packages=[package]))
    validate(document, schemas)
    assert document["components"][0]["licenses"] == [{"expression": "GPL-3.0-only OR MIT"}]
    assert "licenses" not in bom(package_report)["components"][0]


def test_duplicate_purls_give_one_component(package_report: Report, schemas: Path) -> None:
    twice = Report(packages=[package_report.packages[0]] * 2)
    document = bom(twice)
    validate(document, schemas)
    assert len(document["components"]) == 1
    assert PackageRef("npm", "@evil/stealer", "1.0.3").purl == document["components"][0]["purl"]


def test_scope_from_the_lockfiles_dev_and_optional_flags(
    scan_report: Report, package_report: Report, schemas: Path
) -> None:
    from depshield.reports.base import Occurrence

    qs, padx, body = (
        "pkg:npm/qs@6.11.0",
        "pkg:npm/left-padx@2.0.0",
        "pkg:npm/body-parser@1.20.2",
    )
    occurrences = dict(scan_report.occurrences)
    assert padx in occurrences  # one runtime and one dev occurrence: required
    occurrences[qs] = [Occurrence("package-lock.json", 30, "qs", dev=True)]
    occurrences[body] = [Occurrence("package-lock.json", 20, "body-parser", optional=True)]
    document = bom(replace(scan_report, occurrences=occurrences))
    validate(document, schemas)
    assert component(document, qs)["scope"] == "excluded"
    assert component(document, body)["scope"] == "optional"
    assert component(document, padx)["scope"] == "required"
    assert all("scope" not in c for c in bom(package_report)["components"])
