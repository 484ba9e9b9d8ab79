"""SARIF rules for known vulnerabilities and malware reports: one rule per advisory (its id,
`helpUri` = the advisory page), so code scanning groups a CVE across packages and links it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from depshield.model import Alert
from depshield.reports.views import SEVERITY_RANK, advisory, advisory_text, printable

LEVEL = {"error": "error", "warn": "warning", "monitor": "note", "ignore": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "middle": "5.0", "low": "2.0"}


def rule_id(alert: Alert) -> str:
    """The advisory id for an advisory alert, else the alert type."""
    found = advisory(alert)
    return found.id if found is not None else alert.type


def advisory_advice(alert: Alert) -> str:
    """What a result's message ends with for an advisory: `GHSA-x (CVE-y): upgrade to 2.20.0`."""
    found = advisory(alert)
    return advisory_text(found) if found is not None else ""


def is_advisory(alert: Alert) -> bool:
    return advisory(alert) is not None


def advisory_rules(alerts: Iterable[Alert]) -> list[dict[str, Any]]:
    """One rule per advisory id, at the worst severity it was seen with, sorted by id."""
    worst: dict[str, Alert] = {}
    for alert in alerts:
        ident = rule_id(alert)
        known = worst.get(ident)
        if known is None or SEVERITY_RANK[alert.severity] < SEVERITY_RANK[known.severity]:
            worst[ident] = alert
    return [_rule(ident, alert) for ident, alert in sorted(worst.items())]


def _rule(ident: str, alert: Alert) -> dict[str, Any]:
    found = advisory(alert)
    assert found is not None
    summary = printable(alert.evidence or alert.title, 200)
    text = f"{summary}. {advisory_text(found)}"
    markdown = f"**{ident}**" + (f" ({', '.join(found.aliases)})" if found.aliases else "")
    markdown += f": {summary}\n\n{found.fix}" + (f"\n\n[{ident}]({found.url})" if found.url else "")
    rule: dict[str, Any] = {
        "id": ident,
        "name": alert.type,
        "shortDescription": {"text": f"{ident}: {summary}"},
        "fullDescription": {"text": text},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVEL[alert.action]},
        "properties": {
            "category": alert.category,
            "tags": ["security", alert.category, alert.type],
            "security-severity": _security_severity(alert),
            "severity": alert.severity,
            "aliases": list(found.aliases),
        },
    }
    if found.url:
        rule["helpUri"] = found.url
    return rule


def _security_severity(alert: Alert) -> str:
    """The advisory's own CVSS base score when it has one, else the severity's bucket."""
    cvss = alert.props.get("cvss")
    if isinstance(cvss, int | float) and not isinstance(cvss, bool) and 0 < cvss <= 10:
        return f"{float(cvss):.1f}"
    return SECURITY_SEVERITY[alert.severity]
