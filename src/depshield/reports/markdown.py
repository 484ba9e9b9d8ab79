"""The Markdown report for a pull-request comment: verdict, risk table, details, size-capped."""

from __future__ import annotations

from depshield import __version__
from depshield.model import Alert, PackageResult
from depshield.reports import escape
from depshield.reports.base import Report
from depshield.reports.markdown_table import VERDICT_TEXT, fit, header, row
from depshield.reports.views import (
    SCORE_NAMES,
    SEVERITIES,
    Advisory,
    Summary,
    advisory,
    collapsed,
    is_risky,
    occurrences,
    ordered_alerts,
    ordered_packages,
    overall_verdict,
    printable,
    score_text,
    suggestion,
    summarize,
    vulnerabilities_status,
    where,
)

# GitHub rejects comments over 65,536 characters; stay well below to leave room for a footer.
LIMIT = 60_000
MAX_ALERTS = 40  # per package; the rest are counted, the full list is in the JSON/SARIF report
MAX_PATHS = 5
MAX_EVIDENCE = 200


def render(report: Report, *, color: bool = False, limit: int = LIMIT) -> str:
    summary = summarize(report)
    head = _heading(report, summary)
    ordered = ordered_packages(report)
    # What blocks or warns leads (table and details); passing packages with monitor-level
    # alerts fold into one <details> line each, and clean passes are only counted.
    risky = [r for r in ordered if r.verdict != "pass" or r.skipped]
    noted = [r for r in ordered if r not in risky and is_risky(report, r)]
    clean = len(report.packages) - len(risky) - len(noted)
    tail = _passing(report, noted, limit // 5) + _tail(report, clean)
    used = len(head) + len(tail) + len(_table_header()) + 200  # 200: the "not shown" line
    rows, details = fit(risky, _row, lambda r: _details(report, r), used, limit)
    parts = [head]
    if rows:
        parts.append(_table_header() + "".join(rows))
    hidden = len(risky) - len(rows)
    if hidden:
        parts.append(
            f"**{hidden} more package{'s' if hidden != 1 else ''} not shown** "
            "(the comment is size-capped; see the full report, e.g. `--format html` or `json`).\n"
        )
    parts += details
    parts.append(tail)
    return "\n".join(parts)


def _heading(report: Report, summary: Summary) -> str:
    verdict = overall_verdict(summary)
    counts = summary.verdicts
    skipped = sum(1 for r in report.packages if r.skipped)
    title = {
        "block": "blocked packages found",
        "warn": "packages need review",
        "pass": "no blocking issues",
    }[verdict]
    lines = [
        f"## depshield: {VERDICT_TEXT[verdict]}, {title}",
        "",
        f"{summary.packages} package{'s' if summary.packages != 1 else ''} checked: "
        f"{counts['block']} blocked, {counts['warn']} with warnings, {counts['pass']} passed"
        + (f" ({skipped} not analysed)." if skipped else "."),
    ]
    if vulnerabilities_status(report) != "checked":
        lines.append(f"Known vulnerabilities: {vulnerabilities_status(report)}.")
    if summary.alerts:
        by_severity = ", ".join(f"{summary.severities[s]} {s}" for s in SEVERITIES)
        lines.append(f"Alerts: {summary.alerts} ({by_severity}).")
    if report.lockfiles:
        files = ", ".join(_code(f) for f in sorted(report.lockfiles))
        lines.append(f"Lockfiles: {files}.")
    return "\n".join(lines) + "\n"


def _table_header() -> str:
    names = [title for _, title in SCORE_NAMES]
    return header(["Package", "Version", "Verdict", *names, "Overall"], numeric=len(names) + 1)


def _row(result: PackageResult) -> str:
    ref = result.ref
    scores = [score_text(getattr(result.scores, key)) for key, _ in SCORE_NAMES]
    version = _cell_code(ref.version) if ref.version else ""
    verdict = VERDICT_TEXT[result.verdict] + (" (skipped)" if result.skipped else "")
    name = f"{_cell_code(ref.name)} ({ref.ecosystem})"
    return row([name, version, verdict, *scores, str(result.scores.overall)])


def _details(report: Report, result: PackageResult) -> str:
    ref = result.ref
    alerts = ordered_alerts(report.visible_alerts(result))
    label = f"{ref.name}@{ref.version}" if ref.version else ref.name
    counts = ", ".join(
        f"{n} {s}" for s in SEVERITIES if (n := sum(1 for a in alerts if a.severity == s))
    )
    lines = [
        "<details>",
        f"<summary>{_html(result.verdict.upper())} <code>{_html(label)}</code> "
        f"({_html(ref.ecosystem)}){': ' + counts if counts else ''}</summary>",
        "",
    ]
    if result.skipped:
        lines.append(f"Not analysed: {_code(result.skipped)}")
        lines.append("")
    lines += _paths(report, result)
    entries = collapsed(alerts)
    for alert, count in entries[:MAX_ALERTS]:
        lines += _alert(alert, count)
    if len(entries) > MAX_ALERTS:
        lines.append(f"- ... and {len(entries) - MAX_ALERTS} more alerts (see the full report)")
    lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _paths(report: Report, result: PackageResult) -> list[str]:
    found = occurrences(report, result.ref.purl)
    if not found:
        return []
    lines = ["Introduced by:", ""]
    for occurrence in found[:MAX_PATHS]:
        place = (
            f"{occurrence.lockfile}:{occurrence.line}" if occurrence.line else occurrence.lockfile
        )
        lines.append(f"- {_code(occurrence.introduced_by)} ({_code(place)})")
    if len(found) > MAX_PATHS:
        lines.append(f"- ... and {len(found) - MAX_PATHS} more")
    return [*lines, ""]


def _alert(alert: Alert, count: int = 1) -> list[str]:
    place = f" at {_code(where(alert))}" if alert.file else ""
    if count > 1:
        place = f" in {count} places" + (f", first {_code(where(alert))}" if alert.file else "")
    lines = [f"- **{alert.severity}** {_code(alert.type)} {_text(alert.title)}{place}"]
    if alert.evidence:
        lines.append(f"  Evidence: {_code(printable(alert.evidence, MAX_EVIDENCE))}")
    found = advisory(alert)
    if found is not None:
        lines.append(f"  Advisory: {advisory_text(found)}")
        return lines
    advice = suggestion(alert.type)
    if advice:
        lines.append(f"  Suggestion: {_text(advice)}")
    return lines


def advisory_text(found: Advisory) -> str:
    """`[GHSA-x](url)` (aliases `CVE-y`): upgrade to 2.20.0; the link only for a plain URL."""
    ident = f"[{_text(found.id)}]({found.url})" if found.url else _code(found.id)
    aliases = f" ({', '.join(_code(a) for a in found.aliases)})" if found.aliases else ""
    return f"{ident}{aliases}" + (f": {_text(found.fix)}" if found.fix else "")


def _passing(report: Report, results: list[PackageResult], budget: int) -> str:
    """Passing packages that have monitor-level alerts: one collapsed list, a line each, within
    `budget` characters (the rest counted)."""
    if not results:
        return ""
    n = len(results)
    plural = "s" if n != 1 else ""
    head = f"<details>\n<summary>{n} passing package{plural} with alerts below warn</summary>\n"
    lines: list[str] = []
    used = len(head) + 80
    for result in results:
        ref = result.ref
        label = f"{ref.name}@{ref.version}" if ref.version else ref.name
        types = sorted({a.type for a in report.visible_alerts(result)})
        line = f"- {_code(label)} ({ref.ecosystem}): {', '.join(_code(t) for t in types)}"
        if used + len(line) > budget:
            break
        lines.append(line)
        used += len(line) + 1
    if len(lines) < n:
        lines.append(f"- ... and {n - len(lines)} more (see the full report)")
    return "\n".join([head, *lines, "", "</details>", "", ""])


def _tail(report: Report, clean: int) -> str:
    lines = []
    if clean:
        lines.append(f"{clean} package{'s' if clean != 1 else ''} passed with no visible alerts.")
    if report.errors:
        shown = ", ".join(_code(e) for e in sorted(report.errors)[:5])
        more = f" and {len(report.errors) - 5} more" if len(report.errors) > 5 else ""
        lines.append(f"Could not be analysed ({len(report.errors)}): {shown}{more}.")
    lines.append(f"<sub>depshield {__version__}</sub>")
    return "\n\n".join(lines) + "\n"


def _code(text: str) -> str:
    return escape.markdown_code(text)


def _cell_code(text: str) -> str:
    return escape.markdown_cell(text)


def _text(text: str) -> str:
    return escape.markdown_text(text)


def _html(text: str) -> str:
    return escape.html(text)
