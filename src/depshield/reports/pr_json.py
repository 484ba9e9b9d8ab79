"""A pull request's dependency change as JSON (`pr`, docs/pr.md) and as SARIF for code scanning."""

from __future__ import annotations

import json

from depshield import __version__
from depshield.pr.report import PrReport
from depshield.reports.base import Occurrence, Report
from depshield.reports.sarif import as_dict


def render(report: PrReport) -> str:

    body = {"tool": {"name": "depshield", "version": __version__}, "pr": report.to_json()}
    return json.dumps(body, indent=2) + "\n"


def render_sarif(report: PrReport) -> str:
    """SARIF for code scanning: only the alerts the change introduces, located in the lockfile."""

    return json.dumps(as_dict(as_scan_report(report)), indent=2) + "\n"


def as_scan_report(report: PrReport) -> Report:
    """The changed packages as a scan Report whose alerts are only the introduced ones."""
    from dataclasses import replace

    packages = []
    occurrences: dict[str, list[Occurrence]] = {}
    for item in report.ordered():
        if item.result is None:
            continue
        packages.append(replace(item.result, alerts=item.introduced))
        change = item.change
        occurrences[item.result.ref.purl] = [
            Occurrence(
                change.lockfile, change.line, change.introduced_by, change.direct, change.dev
            )
        ]
    return Report(
        packages=packages,
        errors=list(report.errors),
        show_all=report.show_all,
        lockfiles=list(report.lockfiles),
        occurrences=occurrences,
        notes=list(report.notes),
        input_errors=list(report.unreadable),
    )
