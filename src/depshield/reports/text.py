"""The terminal report: a verdict line, alerts grouped by severity with evidence, scores."""

from __future__ import annotations

import io

from depshield.model import Alert, PackageResult
from depshield.reports.base import Report
from depshield.reports.escape import rich as escape
from depshield.reports.views import (
    advisory,
    advisory_text,
    collapsed,
    not_analysed,
    not_analysed_line,
    score_text,
    skip_reason,
    vulnerabilities_status,
)

VERDICT_STYLE = {"block": "bold white on red", "warn": "bold black on yellow", "pass": "bold green"}
SEVERITY_STYLE = {"critical": "bold red", "high": "red", "middle": "yellow", "low": "dim"}
SEVERITIES = ("critical", "high", "middle", "low")
MAX_SKIPPED_SHOWN = 3  # more packages than this skipped for one reason: one line, not a block each


# Without a terminal width (a pipe, a file, CI logs) nothing is wrapped or cut: one line per
# line, whatever its length, so grep and copy-paste see whole commands and URLs.
UNLIMITED = 1_000_000


def render(report: Report, *, color: bool = False, width: int | None = None) -> str:
    """`width`: the terminal's, on a TTY; alert lines are then cut to it with an ellipsis and
    other lines left for the terminal to wrap (no line is ever split by depshield)."""
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        width=width or UNLIMITED,
        highlight=False,
        soft_wrap=True,
    )
    if report.root is not None:
        _project(console, report)
    else:
        for result in report.packages:
            if report.quiet and result.verdict == "pass" and not result.skipped:
                continue
            _package(console, result, report.show_all, report.quiet)
        if report.packages and not report.quiet and vulnerabilities_status(report) != "checked":
            console.print(f"known vulnerabilities: {vulnerabilities_status(report)}")

    # A reason many packages share is said once, by the not-analysed line.
    said = {p.skipped for p in report.packages if p.skipped} if report.root is not None else set()
    said |= {str(problem) for problem in report.input_errors}  # "not read:" above; stderr
    for error in report.errors:
        if error not in said:
            console.print(f"[red]error:[/] {escape(error)}", markup=True)
    return buffer.getvalue()


def _project(console: object, report: Report) -> None:
    """Summary first (what was scanned, verdict counts), then each flagged package, worst first,
    with the path that brings it in; clean packages are one line at the end."""

    c = console
    packages = report.packages
    counts = {
        v: sum(1 for p in packages if p.verdict == v and not p.skipped)
        for v in ("block", "warn", "pass")
    }
    skipped = sum(1 for p in packages if p.skipped)
    c.print(  # type: ignore[attr-defined]
        f"[bold]depshield scan[/] {escape(str(report.root))}: {len(packages)} packages from "
        f"{len(report.lockfiles)} lockfile(s): [red]{counts['block']} block[/], "
        f"[yellow]{counts['warn']} warn[/], {counts['pass']} pass"
        + (f", {skipped} not analysed" if skipped else "")
        + _vulns(report)
    )
    for lockfile in report.lockfiles:
        c.print(f"  [dim]{escape(lockfile)}[/]")  # type: ignore[attr-defined]
    for problem in report.input_errors:
        c.print(f"  [red]not read:[/] {escape(problem.file)}")  # type: ignore[attr-defined]
    unanalysed = not_analysed_line(report)
    if unanalysed:
        c.print(f"[bold]{escape(unanalysed)}[/]")  # type: ignore[attr-defined]
    c.print()  # type: ignore[attr-defined]
    crowded = {reason for reason, n in not_analysed(report) if n > MAX_SKIPPED_SHOWN}
    quiet = []
    for result in packages:
        if result.skipped and skip_reason(result) in crowded:
            continue  # counted by the not-analysed line; the JSON report lists each one
        shown = report.visible_alerts(result)
        if (
            result.verdict == "pass"
            and not result.skipped
            and not any(a.action in ("error", "warn") for a in shown)
        ):
            quiet.append(result)
            continue
        _package(c, result, report.show_all, report.quiet)
        for occurrence in list(report.occurrences.get(result.ref.purl, ()))[:3]:
            where = (
                f"{occurrence.lockfile}:{occurrence.line}"
                if occurrence.line
                else occurrence.lockfile
            )
            c.print(  # type: ignore[attr-defined]
                f"  [dim]via {escape(occurrence.introduced_by)} ({escape(where)})[/]"
            )
    if report.quiet:
        return
    if quiet:
        c.print(f"[green]{len(quiet)} packages pass with no alerts at warn or above.[/]")  # type: ignore[attr-defined]
    for note in report.notes[:10]:
        c.print(f"[dim]note: {escape(note)}[/]")  # type: ignore[attr-defined]


def _package(console: object, result: PackageResult, show_all: bool, quiet: bool = False) -> None:

    c = console  # rich.console.Console; typed loosely to keep rich out of start-up imports
    alerts = [a for a in result.alerts if show_all or a.action != "ignore"]
    verdict = "SKIPPED" if result.skipped else result.verdict.upper()
    style = "bold white on blue" if result.skipped else VERDICT_STYLE[result.verdict]
    c.print(  # type: ignore[attr-defined]
        f"[{style}] {verdict} [/] {escape(str(result.ref))}"
        + (f"  ({escape(result.artifact)})" if result.artifact else "")
        + f"  {_summary(alerts)}"
    )
    if result.skipped:
        c.print(f"  skipped: {escape(result.skipped)}")  # type: ignore[attr-defined]
    for severity in SEVERITIES:
        group = [a for a in alerts if a.severity == severity]
        if not group:
            continue
        c.print(f"  [{SEVERITY_STYLE[severity]}]{severity}[/]")  # type: ignore[attr-defined]
        for alert, count in collapsed(group):
            line = _line(alert, count)
            c.print("    " + line, no_wrap=True, overflow="ellipsis", soft_wrap=False)  # type: ignore[attr-defined]
            found = advisory(alert)
            if found is not None:
                c.print(f"      [dim]{escape(advisory_text(found))}[/]")  # type: ignore[attr-defined]
    s = result.scores
    if not result.skipped:
        c.print(  # type: ignore[attr-defined]
            f"  scores: supply chain {s.supplyChain}  quality {s.quality}  maintenance "
            f"{s.maintenance}  vulnerability {score_text(s.vulnerability)}  license {s.license}  "
            f"[bold]overall {s.overall}[/]"
        )
    for note in [] if quiet else result.notes[:10]:
        c.print(f"  [dim]note: {escape(note)}[/]")  # type: ignore[attr-defined]
    if len(result.notes) > 10 and not quiet:
        c.print(f"  [dim]... {len(result.notes) - 10} more notes (--format json)[/]")  # type: ignore[attr-defined]


def _vulns(report: Report) -> str:
    status = vulnerabilities_status(report)
    return "" if status == "checked" else f"; known vulnerabilities: {status}"


def _line(alert: Alert, count: int = 1) -> str:

    where = ""
    if alert.file:
        where = alert.file + (f":{alert.line}" if alert.line else "")
    if count > 1:
        where = f"{count} places, first {where}" if where else f"{count} places"
    evidence = (alert.evidence or "").replace("\n", " ")
    if len(evidence) > 80:
        evidence = evidence[:77] + "..."
    when = alert.props.get("when")
    when_text = f" [{when}]" if when and alert.type in _TIMED else ""
    return f"[bold]{alert.type}[/] ({alert.action}){escape(when_text)} {escape(where)}" + (
        f"  [dim]{escape(evidence)}[/]" if evidence else ""
    )


_TIMED = {
    "dataExfiltration",
    "remoteCodeDownload",
    "encodedPayloadExecution",
    "reverseShell",
    "credentialHarvesting",
    "networkAccess",
    "shellAccess",
    "usesEval",
}


def _summary(alerts: list[Alert]) -> str:
    counts = {s: sum(1 for a in alerts if a.severity == s) for s in SEVERITIES}
    parts = [f"{n} {s}" for s, n in counts.items() if n]
    return ", ".join(parts) if parts else "no alerts"
