"""The CycloneDX 1.6 JSON SBOM: one component per package, depshield's verdict as properties."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any

from depshield import __version__
from depshield.ecosystems.plugins import plugin
from depshield.model import PackageResult
from depshield.reports.base import Report
from depshield.reports.views import SCORE_NAMES, ordered_alerts, score_text

SCHEMA_URI = "http://cyclonedx.org/schema/bom-1.6.schema.json"
PROJECT_REF = "depshield:project"
# CycloneDX hash names for the algorithms a digest or an SRI string may carry.
HASH_ALGORITHMS = {"sha1": "SHA-1", "sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512"}
HEX_LENGTH = {"sha1": 40, "sha256": 64, "sha384": 96, "sha512": 128}


def render(report: Report, *, color: bool = False, now: datetime | None = None) -> str:
    return json.dumps(as_dict(report, now=now), indent=2) + "\n"


def as_dict(report: Report, *, now: datetime | None = None) -> dict[str, Any]:
    """The BOM; its serial number is a UUID5 of the content, so equal scans get equal serials.

    The timestamp is `now`, else SOURCE_DATE_EPOCH (reproducible builds), else the clock.
    """
    components = _components(report)
    refs = {c["bom-ref"] for c in components}
    body: dict[str, Any] = {"components": components}
    metadata: dict[str, Any] = {
        "tools": {"components": [_tool()]},
    }
    if report.root is not None:
        metadata["component"] = _project(report.root)
        body["dependencies"] = _dependencies(report, refs)
    content = json.dumps([metadata, body], sort_keys=True)
    serial = uuid.uuid5(
        uuid.NAMESPACE_URL, "depshield:" + hashlib.sha256(content.encode()).hexdigest()
    )
    metadata = {"timestamp": _timestamp(now), **metadata}
    return {
        "$schema": SCHEMA_URI,
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": serial.urn,
        "version": 1,
        "metadata": metadata,
        **body,
    }


def _timestamp(now: datetime | None) -> str:
    if now is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
        now = datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else datetime.now(UTC)
    return now.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _tool() -> dict[str, Any]:
    return {"type": "application", "name": "depshield", "version": __version__}


def _project(root: str) -> dict[str, Any]:
    name = PurePath(root).name or "project"
    return {"type": "application", "bom-ref": PROJECT_REF, "name": name}


def _components(report: Report) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for result in sorted(report.packages, key=lambda r: r.ref.purl):
        seen.setdefault(result.ref.purl, _component(report, result))
    return list(seen.values())


def _component(report: Report, result: PackageResult) -> dict[str, Any]:
    ref = result.ref
    component: dict[str, Any] = {"type": "library", "bom-ref": ref.purl}

    group, name = plugin(ref.ecosystem).split_scope(ref.name)
    if group is not None:  # npm scopes are CycloneDX groups ("@babel")
        component["group"] = group
    component["name"] = name
    if ref.version:
        component["version"] = ref.version
    component["purl"] = ref.purl
    hashes = _hashes(result.digest)
    if hashes:
        component["hashes"] = hashes
    licenses = _licenses(result)
    if licenses:
        component["licenses"] = licenses
    scope = _scope(report, ref.purl)
    if scope:
        component["scope"] = scope
    component["properties"] = _properties(report, result)
    return component


def _scope(report: Report, purl: str) -> str | None:
    """CycloneDX `scope` from the lockfiles: required if any occurrence is a runtime one,
    excluded if every one is a dev dependency, optional if only optional ones remain. A lone
    package (no lockfile) has none: the spec's default, required."""
    found = report.occurrences.get(purl, ())
    if not found:
        return None
    if all(o.dev for o in found):
        return "excluded"
    if all(o.dev or o.optional for o in found):
        return "optional"
    return "required"


def _hashes(digest: str | None) -> list[dict[str, str]]:
    """ "sha256-<hex>" (the artifact store), "sha256:<hex>" or SRI "sha512-<base64>"."""
    if not digest:
        return []
    algorithm, _, value = digest.replace(":", "-", 1).partition("-")
    algorithm = algorithm.lower()
    if algorithm not in HASH_ALGORITHMS or not value:
        return []
    if len(value) != HEX_LENGTH[algorithm] or not _is_hex(value):
        try:
            value = base64.b64decode(value, validate=True).hex()
        except (binascii.Error, ValueError):
            return []
        if len(value) != HEX_LENGTH[algorithm]:
            return []
    return [{"alg": HASH_ALGORITHMS[algorithm], "content": value.lower()}]


def _is_hex(value: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in value)


def _licenses(result: PackageResult) -> list[dict[str, Any]]:
    """Only what an alert recorded (props["license"]); depshield does not guess licenses."""
    found = sorted(
        {
            str(a.props["license"])
            for a in result.alerts
            if a.category == "license" and isinstance(a.props.get("license"), str)
        }
    )
    if not found:
        return []
    if len(found) == 1:
        return [{"expression": found[0]}]
    return [{"expression": " AND ".join(f"({x})" if " " in x else x for x in found)}]


def _properties(report: Report, result: PackageResult) -> list[dict[str, str]]:
    props: list[tuple[str, str]] = [("depshield:verdict", result.verdict)]
    for key, _ in SCORE_NAMES:
        props.append((f"depshield:score:{key}", score_text(getattr(result.scores, key))))
    props.append(("depshield:score:overall", str(result.scores.overall)))
    props += [("depshield:capability", c) for c in sorted(set(result.capabilities))]
    seen: set[str] = set()
    for alert in ordered_alerts(report.visible_alerts(result)):
        if alert.type not in seen:
            seen.add(alert.type)
            props.append(("depshield:alert", f"{alert.type} ({alert.severity}, {alert.action})"))
    if result.skipped:
        props.append(("depshield:skipped", result.skipped))
    deep = report.deep.get(result.ref.purl)
    if deep is not None:
        props.append(("depshield:deep:verdict", deep.verdict))
        props.append(("depshield:deep:score", str(deep.score)))
    return [{"name": n, "value": v} for n, v in props]


def _dependencies(report: Report, refs: set[str]) -> list[dict[str, Any]]:
    """Every component gets an entry (an empty dependsOn says "depends on nothing" in a scan)."""
    graph: dict[str, set[str]] = {PROJECT_REF: set(), **{r: set() for r in refs}}
    for parent, child in report.edges:
        source = PROJECT_REF if parent == "" else parent
        if source in graph and child in refs and child != source:
            graph[source].add(child)
    return [{"ref": ref, "dependsOn": sorted(children)} for ref, children in sorted(graph.items())]
