"""Severity: CVSS bands, vector scoring with the cvss library, database labels, unknowns."""

from __future__ import annotations

import pytest

from depshield.vulns.severity import alert_type_for_score, severity_of


@pytest.mark.parametrize(
    ("score", "alert"),
    [
        (10.0, "criticalCVE"),
        (9.0, "criticalCVE"),
        (8.9, "cve"),
        (7.0, "cve"),
        (6.9, "mediumCVE"),
        (4.0, "mediumCVE"),
        (3.9, "mildCVE"),
        (0.0, "mildCVE"),
    ],
)
def test_cvss_bands(score: float, alert: str) -> None:
    assert alert_type_for_score(score) == alert


def test_labels_when_no_vector() -> None:
    for label, alert in [
        ("CRITICAL", "criticalCVE"),
        ("HIGH", "cve"),
        ("MODERATE", "mediumCVE"),
        ("medium", "mediumCVE"),
        ("LOW", "mildCVE"),
    ]:
        found = severity_of({"database_specific": {"severity": label}})
        assert found.alert_type == alert and found.score is None


def test_unknown_severity_is_medium() -> None:
    assert severity_of({}).alert_type == "mediumCVE"
    assert severity_of({"database_specific": {"severity": "SEVERE"}}).alert_type == "mediumCVE"


def test_malformed_vector_falls_back_to_the_label() -> None:
    record = {
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:X"}],
        "database_specific": {"severity": "LOW"},
    }
    found = severity_of(record)
    assert found.alert_type == "mildCVE" and found.label == "LOW"


def test_vector_beats_label_and_affected_severity_overrides_the_record() -> None:
    critical = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    low = "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"
    record = {
        "severity": [{"type": "CVSS_V3", "score": critical}],
        "database_specific": {"severity": "LOW"},
    }
    assert severity_of(record).score == 9.8
    affected = {"severity": [{"type": "CVSS_V3", "score": low}]}
    found = severity_of(record, affected)
    assert found.vector == low and found.alert_type == "mildCVE"


def test_cvss_v4_vector_is_scored() -> None:
    vector = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    found = severity_of({"severity": [{"type": "CVSS_V4", "score": vector}]})
    assert found.alert_type == "criticalCVE" and found.score == 9.3
