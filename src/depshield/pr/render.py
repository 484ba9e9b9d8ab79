"""The pull-request report formats: text, json, markdown (the comment) and sarif."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable

from depshield.pr.report import PrReport
from depshield.reports.base import Occurrence, Report

FORMATS = {
    "text": "depshield.pr.render:render_text",
    "json": "depshield.pr.render:render_json",
    "markdown": "depshield.pr.markdown:render",
    "sarif": "depshield.pr.render:render_sarif",
}


def renderer(name: str) -> Callable[[PrReport], str]:
    module, _, attr = FORMATS[name].partition(":")
    found: Callable[[PrReport], str] = getattr(importlib.import_module(module), attr)
    return found


def render_json(report: PrReport) -> str:
    from depshield import __version__

    body = {"tool": {"name": "depshield", "version": __version__}, "pr": report.to_json()}
    return json.dumps(body, indent=2) + "\n"


def render_sarif(report: PrReport) -> str:
    """SARIF for code scanning: only the alerts the change introduces, located in the lockfile."""
    from depshield.reports.sarif import as_dict

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


def render_text(report: PrReport) -> str:
    from depshield.reports.escape import terminal as t
    from depshield.reports.views import ordered_alerts, where

    counts = ", ".join(f"{n} {k}" for k, n in report.counts().items() if n) or "no changes"
    lines = [
        f"depshield pr {t(report.base)} -> {t(report.head)}: {report.verdict.upper()} ({counts})"
    ]
    for item in report.ordered():
        change = item.change
        versions = (
            f"{t(change.old or '')} -> {t(change.new or '')}"
            if change.kind in ("upgraded", "downgraded")
            else t(change.new or change.old or "")
        )
        where_ = "direct" if change.direct else f"via {t(change.introduced_by or '')}"
        verdict = item.verdict if change.brings_code else "-"
        name = t(f"{change.ecosystem}:{change.name}")
        lines.append(f"  {verdict:5} {change.kind:10} {name} {versions} ({where_})")
        if item.skipped:
            lines.append(f"        not analysed: {t(item.skipped)}")
        for alert in ordered_alerts(list(item.introduced)):
            if alert.action == "ignore" and not report.show_all:
                continue
            place = f" {t(where(alert))}" if alert.file else ""
            evidence = f": {t(alert.evidence, 120)}" if alert.evidence else ""
            lines.append(f"        {alert.severity:8} {alert.type}{place}{evidence}")
        if item.advice.text:
            lines.append(f"        advice: {t(item.advice.text)}")
    lines += [f"  error: {t(e)}" for e in report.errors]
    return "\n".join(lines) + "\n"
