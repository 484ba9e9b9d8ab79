"""Failing a run on known vulnerabilities: `--fail-on-vuln SEVERITY` / `fail-on-vuln` (exit 1)."""

from __future__ import annotations

from collections.abc import Iterable

from depshield.model import PackageResult

VULN_TYPES = frozenset({"criticalCVE", "cve", "mediumCVE", "mildCVE"})
# User-facing names (those of CVSS and GHSA) -> the catalog's severity scale.
SEVERITY_NAMES = {
    "critical": "critical",
    "high": "high",
    "medium": "middle",
    "moderate": "middle",
    "middle": "middle",
    "low": "low",
    "never": "never",
}
RANK = {"critical": 0, "high": 1, "middle": 2, "low": 3}
CHOICES = ("critical", "high", "medium", "low", "never")


def parse_severity(text: str) -> str | None:
    """`high` -> "high", `medium`/`moderate` -> "middle", `never`; None when unknown."""
    return SEVERITY_NAMES.get(text.strip().lower())


def failing_vulnerabilities(results: Iterable[PackageResult], threshold: str | None) -> list[str]:
    """`name@version: ID (severity)` for each known vulnerability at or above `threshold`
    (the policy's ignores already removed them from the results); empty when not set."""
    if threshold is None or threshold == "never":
        return []
    limit = RANK[threshold]
    found = []
    for result in results:
        for alert in result.alerts:
            if alert.action == "ignore" or alert.type not in VULN_TYPES:
                continue
            if RANK[alert.severity] <= limit:
                ident = alert.props.get("id") or alert.type
                found.append(f"{result.ref}: {ident} ({alert.severity})")
    return found
