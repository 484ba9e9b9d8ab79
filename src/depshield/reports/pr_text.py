"""A pull request's dependency change as terminal text: one line per change, its new alerts."""

from __future__ import annotations

from depshield.pr.report import PrReport
from depshield.reports.escape import terminal as t
from depshield.reports.views import ordered_alerts, where


def render(report: PrReport) -> str:

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
