"""The HTML report embeds no data in a script: its one <script> is the constant the CSP hashes.

(Issue 17: JSON inside <script> would need its own escaping for `</script>`, `<!--` and U+2028;
the report carries its data in escaped HTML only, and this test fails if that ever changes.)
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from test_escape import HOSTILE

from depshield.model import PackageRef, PackageResult, Scores
from depshield.reports.base import Occurrence, Report
from depshield.reports.html import render
from depshield.reports.html_assets import SCRIPT


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HOSTILE)
def test_the_only_script_is_the_hashed_constant(text: str) -> None:
    package = PackageResult(PackageRef("npm", text, "1.0.0"), "pass", Scores(), (), ())
    purl = package.ref.purl
    report = Report(
        packages=[package],
        errors=[text],
        root=f"/work/{text}",
        lockfiles=[f"{text}/package-lock.json"],
        occurrences={purl: [Occurrence(f"{text}/package-lock.json", 3, text, direct=True)]},
        edges=[("", purl)],
        notes=[text],
    )
    page = render(report)
    assert re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S | re.I) == [SCRIPT]
    assert page.lower().count("<script") == 1
