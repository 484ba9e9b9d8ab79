"""The SARIF 2.1.0 report, shaped for GitHub code scanning (one run, one rule per alert type)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

from depshield import __version__
from depshield.model import Alert, PackageResult
from depshield.reports import sarif_rules
from depshield.reports.base import Occurrence, Report
from depshield.reports.sarif_advisories import advisory_advice, advisory_rules, is_advisory, rule_id
from depshield.reports.sarif_limits import fit
from depshield.reports.sarif_rules import LEVEL, security_severity
from depshield.reports.views import (
    SEVERITY_RANK,
    occurrences,
    printable,
    suggestion,
    vulnerabilities_status,
    where,
)

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT_KEY = "depshield/v1"
MAX_EVIDENCE = 300
SHOWN = ("error", "warn")  # by default code scanning gets what blocks or warns; --all the rest
SRCROOT = "%SRCROOT%"


def render(report: Report, *, color: bool = False) -> str:
    return json.dumps(as_dict(report), indent=2) + "\n"


def as_dict(report: Report) -> dict[str, Any]:
    pairs = sorted(
        (
            (r, a)
            for r in report.packages
            for a in report.visible_alerts(r)
            if report.show_all or a.action in SHOWN
        ),
        key=lambda pair: (_rank(pair[1]), pair[0].ref.purl, _alert_key(pair[1])),
    )

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
        "invocations": [_invocation(report)],
    }
    if report.root is not None:
        run["originalUriBaseIds"] = _base_ids(report)
    return fit({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]})


def _rank(alert: Alert) -> tuple[int, float]:
    """Worst first (what GitHub's limits keep): blocking, then warning; by security severity."""
    score = float(security_severity(alert.type, alert.category, alert.severity))
    return ({"error": 0, "warn": 1}.get(alert.action, 2), -score)


def _base_ids(report: Report) -> dict[str, Any]:
    """%SRCROOT%: the repository root (GitHub resolves the relative URIs from it)."""
    if report.repo_root is None:
        return {SRCROOT: {"description": {"text": "the scanned folder"}}}
    uri = Path(report.repo_root).as_uri().rstrip("/") + "/"
    return {SRCROOT: {"uri": uri, "description": {"text": "the repository root"}}}


def _uri(report: Report, path: str) -> dict[str, Any]:
    """A project file as code scanning wants it: relative to the repository root."""
    relative = report.repo_prefix + path.replace("\\", "/")
    return {"uri": quote(relative, safe="/"), "uriBaseId": SRCROOT}


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
    worst: dict[str, Alert] = {}
    for alert in alerts:  # the policy may raise a type's severity: the rule shows the worst
        known = worst.get(alert.type)
        if known is None or SEVERITY_RANK[alert.severity] < SEVERITY_RANK[known.severity]:
            worst[alert.type] = alert
    return sarif_rules.rules(worst)


def _result(
    report: Report, result: PackageResult, alert: Alert, rule_index: int, digest: str
) -> dict[str, Any]:
    found = occurrences(report, result.ref.purl)

    return {
        "ruleId": rule_id(alert),
        "ruleIndex": rule_index,
        "level": LEVEL[alert.action],
        "message": {"text": _message(result, alert, found)},
        "locations": _locations(report, result, alert, found),
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

    advice = advisory_advice(alert) or suggestion(alert.type)
    return text + (f" {advice}" if advice else "")


def _locations(
    report: Report, result: PackageResult, alert: Alert, found: list[Occurrence]
) -> list[dict[str, Any]]:
    logical = _logical(result, alert)
    if not found:  # `depshield package`: no project file, so name the artifact analysed
        artifact = result.artifact or f"{result.ref.name}-{result.ref.version or 'unknown'}"
        named = {"artifactLocation": {"uri": quote(artifact, safe="")}}
        return [{"physicalLocation": named, "logicalLocations": logical}]
    locations = []
    for occurrence in found:
        physical: dict[str, Any] = {"artifactLocation": _uri(report, occurrence.lockfile)}
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


def _invocation(report: Report) -> dict[str, Any]:
    """Not successful when a project file could not be read: what it held was not checked."""
    unreadable = {str(e) for e in report.input_errors}
    notes: list[dict[str, Any]] = []
    for problem in report.input_errors:
        physical: dict[str, Any] = {"artifactLocation": _uri(report, problem.file)}
        if problem.line:
            physical["region"] = {"startLine": problem.line}
        notes.append(
            {
                "level": "error",
                "message": {"text": str(problem)},
                "locations": [{"physicalLocation": physical}],
            }
        )
    notes += [
        {"level": "error", "message": {"text": e}} for e in report.errors if e not in unreadable
    ]
    notes += [{"level": "note", "message": {"text": n}} for n in report.notes]
    vulns = vulnerabilities_status(report)
    if vulns != "checked":  # no result for a CVE is not the same as no CVE
        text = f"known vulnerabilities: {vulns} (no vulnerability database or advisory source)"
        notes.append({"level": "warning", "message": {"text": text}})
    invocation: dict[str, Any] = {"executionSuccessful": not report.input_errors}
    if notes:
        invocation["toolExecutionNotifications"] = notes
    return invocation
