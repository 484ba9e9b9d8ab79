"""The SARIF 2.1.0 report, shaped for GitHub code scanning (one run, one rule per alert type)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any
from urllib.parse import quote

from depshield import __version__
from depshield.model import Alert, PackageResult
from depshield.reports.base import Occurrence, Report
from depshield.reports.views import SEVERITY_RANK, occurrences, printable, suggestion, where

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
# GitHub code scanning reads `security-severity` (a number written as a string, 0.0-10.0) to
# bucket alerts: >= 9.0 critical, >= 7.0 high, >= 4.0 medium, else low.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "middle": "5.0", "low": "2.0"}
LEVEL = {"error": "error", "warn": "warning", "monitor": "note", "ignore": "note"}
FINGERPRINT_KEY = "depshield/v1"
MAX_EVIDENCE = 300


def render(report: Report, *, color: bool = False) -> str:
    return json.dumps(as_dict(report), indent=2) + "\n"


def as_dict(report: Report) -> dict[str, Any]:
    pairs = sorted(
        ((r, a) for r in report.packages for a in report.visible_alerts(r)),
        key=lambda pair: (pair[0].ref.purl, _alert_key(pair[1])),
    )
    from depshield.reports.sarif_advisories import advisory_rules, is_advisory, rule_id

    advisories = [a for _, a in pairs if is_advisory(a)]
    rules = _rules([a for _, a in pairs if not is_advisory(a)]) + advisory_rules(advisories)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    seen: Counter[str] = Counter()
    results = []
    for result, alert in pairs:
        digest = fingerprint(result, alert)
        seen[digest] += 1
        if seen[digest] > 1:  # the same fact twice in one package: keep fingerprints unique
            digest = _sha256(f"{digest}\0{seen[digest]}")
        results.append(_result(report, result, alert, index[rule_id(alert)], digest))
    run: dict[str, Any] = {
        "tool": {"driver": _driver(rules)},
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    notifications = _notifications(report)
    if notifications:
        run["invocations"] = [
            {"executionSuccessful": True, "toolExecutionNotifications": notifications}
        ]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def fingerprint(result: PackageResult, alert: Alert) -> str:
    """Stable across runs: what was found where in which package, never lockfile lines."""
    ref = result.ref
    parts = (ref.ecosystem, ref.name, ref.version or "", alert.type, alert.file or "")
    return _sha256("\0".join((*parts, alert.evidence or "")))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _alert_key(alert: Alert) -> tuple[str, str, int, str, int]:
    return (
        alert.type,
        alert.file or "",
        alert.line or 0,
        alert.evidence or "",
        SEVERITY_RANK.get(alert.severity, 9),
    )


def _driver(rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": "depshield",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": rules,
    }


def _rules(alerts: list[Alert]) -> list[dict[str, Any]]:
    from depshield.alerts.catalog import CATALOG

    worst: dict[str, Alert] = {}
    for alert in alerts:  # the policy may raise a type's severity: the rule shows the worst
        known = worst.get(alert.type)
        if known is None or SEVERITY_RANK[alert.severity] < SEVERITY_RANK[known.severity]:
            worst[alert.type] = alert
    rules = []
    for type_, alert in sorted(worst.items()):
        entry = CATALOG.get(type_)
        title = entry.title if entry else alert.title
        help_text = (entry.suggestion if entry else "") or alert.message or title
        rules.append(
            {
                "id": type_,
                "name": type_,
                "shortDescription": {"text": title},
                "fullDescription": {"text": _full_description(alert, title, help_text)},
                "help": {"text": help_text},
                "defaultConfiguration": {"level": LEVEL[alert.action]},
                "properties": {
                    "category": alert.category,
                    "tags": ["security", "supply-chain", alert.category],
                    "security-severity": SECURITY_SEVERITY[alert.severity],
                    "severity": alert.severity,
                },
            }
        )
    return rules


def _full_description(alert: Alert, title: str, help_text: str) -> str:
    return f"{title} ({alert.category}, {alert.severity} severity). {help_text}"


def _result(
    report: Report, result: PackageResult, alert: Alert, rule_index: int, digest: str
) -> dict[str, Any]:
    found = occurrences(report, result.ref.purl)
    from depshield.reports.sarif_advisories import rule_id

    return {
        "ruleId": rule_id(alert),
        "ruleIndex": rule_index,
        "level": LEVEL[alert.action],
        "message": {"text": _message(result, alert, found)},
        "locations": _locations(result, alert, found),
        "partialFingerprints": {FINGERPRINT_KEY: digest},
        "properties": _properties(result, alert, found),
    }


def _message(result: PackageResult, alert: Alert, found: list[Occurrence]) -> str:
    ref = result.ref
    name = f"{ref.name}@{ref.version}" if ref.version else ref.name
    text = f"{alert.title} in {ref.ecosystem} package {printable(name)}"
    if alert.file:
        text += f" ({printable(where(alert))})"
    text += "."
    if alert.evidence:
        text += f" Evidence: {printable(alert.evidence, MAX_EVIDENCE)}"
    paths = sorted({o.introduced_by for o in found})
    if paths:
        more = f" (and {len(paths) - 3} more paths)" if len(paths) > 3 else ""
        text += f" Introduced by: {'; '.join(printable(p) for p in paths[:3])}{more}."
    from depshield.reports.sarif_advisories import advisory_advice

    advice = advisory_advice(alert) or suggestion(alert.type)
    return text + (f" {advice}" if advice else "")


def _locations(
    result: PackageResult, alert: Alert, found: list[Occurrence]
) -> list[dict[str, Any]]:
    logical = _logical(result, alert)
    if not found:  # `depshield package`: no project file, so name the artifact analysed
        artifact = result.artifact or f"{result.ref.name}-{result.ref.version or 'unknown'}"
        named = {"artifactLocation": {"uri": quote(artifact, safe="")}}
        return [{"physicalLocation": named, "logicalLocations": logical}]
    locations = []
    for occurrence in found:
        physical: dict[str, Any] = {
            "artifactLocation": {
                "uri": quote(occurrence.lockfile.replace("\\", "/"), safe="/"),
                "uriBaseId": "%SRCROOT%",
            }
        }
        if occurrence.line >= 1:
            physical["region"] = {"startLine": occurrence.line}
        locations.append({"physicalLocation": physical, "logicalLocations": logical})
    return locations


def _logical(result: PackageResult, alert: Alert) -> list[dict[str, Any]]:
    purl = result.ref.purl
    if not alert.file:
        return [{"name": result.ref.name, "fullyQualifiedName": purl, "kind": "module"}]
    return [
        {"name": where(alert), "fullyQualifiedName": f"{purl}#{where(alert)}", "kind": "resource"}
    ]


def _properties(result: PackageResult, alert: Alert, found: list[Occurrence]) -> dict[str, Any]:
    props: dict[str, Any] = {
        "purl": result.ref.purl,
        "verdict": result.verdict,
        "severity": alert.severity,
        "action": alert.action,
        "category": alert.category,
    }
    if alert.file:
        props["file"] = alert.file
    if alert.line:
        props["line"] = alert.line
    if alert.evidence:
        props["evidence"] = alert.evidence
    if found:
        props["introducedBy"] = sorted({o.introduced_by for o in found})
    return props


def _notifications(report: Report) -> list[dict[str, Any]]:
    errors = [{"level": "error", "message": {"text": e}} for e in report.errors]
    notes = [{"level": "note", "message": {"text": n}} for n in report.notes]
    return errors + notes
