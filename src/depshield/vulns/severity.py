"""Severity of an OSV record: CVSS v4/v3 base scores (cvss library), else the database's label."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from depshield.vulns.base import (
    CRITICAL_CVE,
    HIGH_CVE,
    LOW_CVE,
    MEDIUM_CVE,
    UNKNOWN_SEVERITY,
    VulnSeverity,
)

# GHSA writes MODERATE; other databases write MEDIUM.
LABELS = {
    "CRITICAL": CRITICAL_CVE,
    "HIGH": HIGH_CVE,
    "MODERATE": MEDIUM_CVE,
    "MEDIUM": MEDIUM_CVE,
    "LOW": LOW_CVE,
}

# CVSS versions scored here; CVSS_V2 has no critical band and no record in our data uses it.
_SCORED = ("CVSS_V4", "CVSS_V3")


def alert_type_for_score(score: float) -> str:
    """CVSS qualitative bands: critical >= 9.0, high >= 7.0, medium >= 4.0, else low."""
    if score >= 9.0:
        return CRITICAL_CVE
    if score >= 7.0:
        return HIGH_CVE
    if score >= 4.0:
        return MEDIUM_CVE
    return LOW_CVE


def severity_of(
    record: Mapping[str, Any], affected: Mapping[str, Any] | None = None
) -> VulnSeverity:
    """The severity of `record` for one `affected` entry (its own `severity[]` overrides the
    record's); unknown severities count as medium."""
    entries = affected.get("severity") if affected is not None else None
    if not isinstance(entries, list) or not entries:
        entries = record.get("severity")
    scored = _from_vectors(entries if isinstance(entries, list) else [])
    if scored is not None:
        return scored
    label = _label(record.get("database_specific"))
    if label is None and affected is not None:
        label = _label(affected.get("database_specific"))
    if label is not None:
        return VulnSeverity(LABELS[label], label=label)
    return UNKNOWN_SEVERITY


def _from_vectors(entries: list[Any]) -> VulnSeverity | None:
    """The highest base score among the v3 and v4 vectors: the two versions can disagree (v4 rates
    GHSA-qw6h-vgh9-j6wx low, v3 and GitHub's own label moderate) and a scanner errs upwards."""
    best: VulnSeverity | None = None
    for item in entries:
        if not isinstance(item, Mapping) or item.get("type") not in _SCORED:
            continue
        vector = str(item.get("score") or "")
        score = score_vector(str(item["type"]), vector) if vector else None
        if score is not None and (best is None or score > (best.score or 0.0)):
            best = VulnSeverity(alert_type_for_score(score), score=score, vector=vector)
    return best


@lru_cache(maxsize=4096)
def score_vector(type_: str, vector: str) -> float | None:
    """The base score of a CVSS v3.x or v4.0 vector, or None when the vector is malformed."""
    from cvss import CVSS3, CVSS4, CVSSError

    try:
        if type_ == "CVSS_V4":
            return float(CVSS4(vector).base_score)
        return float(CVSS3(vector).scores()[0])
    except (CVSSError, ValueError, KeyError, IndexError, TypeError):
        return None


def _label(database_specific: object) -> str | None:
    if not isinstance(database_specific, Mapping):
        return None
    value = database_specific.get("severity")
    if isinstance(value, str) and value.strip().upper() in LABELS:
        return value.strip().upper()
    return None
