"""SARIF rules for GitHub code scanning: one per alert type, catalog text as `help.markdown`,
a `helpUri`, and a `security-severity` from the table below (docs/sarif.md).

GitHub buckets `security-severity` (0.0-10.0, written as a string): >= 9.0 critical, >= 7.0
high, >= 4.0 medium, else low. The catalog's severity says how sure and how bad a finding is
for a reviewer; this table says how bad it is as a *security* finding, so quality, maintenance
and license types stay low (an unresolved optional `require` of a wasi file is not Critical)
and single capabilities that good packages use every day stay low (`networkAccess` is not
Medium). Threats and known malware are critical.
"""

from __future__ import annotations

import os
from typing import Any

from depshield.alerts.catalog import CATALOG
from depshield.model import Alert
from depshield.reports.escape import markdown_text

DOCS_ENV = "DEPSHIELD_DOCS_URL"  # a fork or an internal mirror of the documentation
CATEGORY_ANCHORS = {
    "supplyChainRisk": "supply-chain-risk",
    "quality": "quality",
    "maintenance": "maintenance",
    "vulnerability": "known-vulnerabilities",
    "license": "license",
}

# fmt: off
SECURITY_SEVERITY: dict[str, float] = {
    # threats and known malware: critical
    "malware": 10.0, "reverseShell": 9.8, "remoteCodeDownload": 9.8, "dataExfiltration": 9.6,
    "encodedPayloadExecution": 9.4, "binaryDropper": 9.4,
    # signs of intent: high
    "credentialHarvesting": 8.8, "didYouMean": 7.5, "obfuscatedRequire": 7.5,
    "obfuscatedFile": 7.0, "manifestConfusion": 7.0, "troll": 7.0, "newCapabilityInPatch": 7.0,
    "shellScriptOverride": 7.0,
    # worth a look: medium
    "installScripts": 5.5, "suspiciousString": 5.0, "bidi": 5.0, "binScriptConfusion": 5.0,
    "gitDependency": 4.5, "gitHubDependency": 4.5, "httpDependency": 4.5,
    "unstableOwnership": 4.5, "homoglyphs": 4.0, "zeroWidth": 4.0, "invisibleChars": 4.0,
    "semverAnomaly": 4.0, "telemetry": 4.0, "unanalyzedFile": 4.0,
    # capabilities that ordinary packages have, and weak signals: low
    "shellAccess": 3.0, "usesEval": 3.0, "missingAuthor": 3.0, "networkAccess": 2.0,
    "hasNativeCode": 2.0, "shrinkwrap": 2.0, "newAuthor": 2.0, "recentlyPublished": 2.0,
    "highEntropyStrings": 1.5, "filesystemAccess": 1.0, "envVars": 1.0, "debugAccess": 1.0,
    "dynamicRequire": 1.0, "longStrings": 1.0, "urlStrings": 1.0, "fileDependency": 1.0,
    "chronoAnomaly": 1.0, "badEncoding": 1.0, "trivialPackage": 0.5,
    # quality and maintenance: not security findings
    "invalidPackageJSON": 3.0, "unpublished": 3.0, "unresolvedRequire": 2.0,
    "deprecated": 2.0, "majorRefactor": 2.0, "unpopularPackage": 1.0, "unmaintained": 1.0,
    "emptyPackage": 0.5, "minifiedFile": 0.5, "noREADME": 0.5, "noTests": 0.5,
    "noRepository": 0.5, "noWebsite": 0.5, "noBugTracker": 0.5, "noAuthorData": 0.5,
    "badSemver": 0.5, "badSemverDependency": 0.5, "floatingDependency": 0.5,
    "missingDependency": 0.5, "unusedDependency": 0.5,
    # known vulnerabilities: the advisory's own band
    "criticalCVE": 9.0, "cve": 7.0, "mediumCVE": 4.0, "mildCVE": 2.0,
    # license: policy, not security
    "licenseSpdxDisj": 2.0, "licenseChange": 1.0, "noLicenseFound": 0.5,
    "unidentifiedLicense": 0.5, "explicitlyUnlicensedItem": 0.5, "copyleftLicense": 0.5,
    "nonpermissiveLicense": 0.5, "ambiguousClassifier": 0.5,
}
# fmt: on
# A type not in the table (a plugin's, a newer catalog's): by its category and severity.
FALLBACK = {"critical": 9.0, "high": 7.0, "middle": 4.0, "low": 2.0}
NOT_SECURITY = frozenset({"quality", "maintenance", "license"})
LEVEL = {"error": "error", "warn": "warning", "monitor": "note", "ignore": "note"}


def security_severity(alert_type: str, category: str, severity: str) -> str:
    score = SECURITY_SEVERITY.get(alert_type)
    if score is None:
        score = FALLBACK.get(severity, 2.0)
        if category in NOT_SECURITY:
            score = min(score, 3.0)
    return f"{score:.1f}"


def help_uri(category: str) -> str | None:
    """Where the alert catalog is published (DEPSHIELD_DOCS_URL), else None: no address is
    invented for documentation whose home this installation does not know."""
    base = os.environ.get(DOCS_ENV, "").strip()
    if not base:
        return None
    anchor = CATEGORY_ANCHORS.get(category)
    return f"{base}#{anchor}" if anchor else base


def rules(worst: dict[str, Alert]) -> list[dict[str, Any]]:
    """One rule per alert type, sorted by id; `worst` is the most severe alert seen per type
    (the policy may raise a type's severity or action)."""
    return [rule(type_, alert) for type_, alert in sorted(worst.items())]


def rule(type_: str, alert: Alert) -> dict[str, Any]:

    entry = CATALOG.get(type_)
    title = entry.title if entry else alert.title
    help_text = (entry.suggestion if entry else "") or alert.message or title
    uri = help_uri(alert.category)
    return {
        "id": type_,
        "name": type_,
        "shortDescription": {"text": title},
        "fullDescription": {
            "text": f"{title} ({alert.category}, {alert.severity} severity). {help_text}"
        },
        **({"helpUri": uri} if uri else {}),
        "help": {"text": help_text, "markdown": _markdown(type_, title, alert, help_text, uri)},
        "defaultConfiguration": {"level": LEVEL[alert.action]},
        "properties": {
            "category": alert.category,
            "tags": ["security", "supply-chain", alert.category],
            "security-severity": security_severity(type_, alert.category, alert.severity),
            "severity": alert.severity,
        },
    }


def _markdown(type_: str, title: str, alert: Alert, help_text: str, uri: str | None) -> str:

    catalog = f"[the alert catalog]({uri})" if uri else "`depshield alerts` (the alert catalog)"
    return (
        f"**{markdown_text(title)}** (`{type_}`: {alert.category}, {alert.severity} severity, "
        f"default action {alert.action})\n\n{markdown_text(help_text)}\n\n"
        f"See {catalog} for what depshield looks for and how to configure it."
    )
