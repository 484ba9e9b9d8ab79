"""The guard's short report on stderr: what the command would bring in and why it may not."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from depshield.ecosystems.plugins import plugin
from depshield.guard.base import Plan, Wrapped
from depshield.model import Alert, PackageResult

if TYPE_CHECKING:  # check.py pulls in the HTTP client: not needed when nothing changes
    from depshield.guard.check import Checked

_SHOWN = ("error", "warn")  # alert actions shown; monitor and ignore stay in `depshield scan`
_MAX_ALERTS = 8


def plan_line(wrapped: Wrapped, plan: Plan) -> str:
    kept = f", {plan.unchanged} already installed" if plan.unchanged else ""
    count = len(plan.packages)
    return (
        f"depshield: {wrapped.display()}: {count} package{'s' * (count != 1)} to add or change"
        f"{kept} (resolved with {plan.method})"
    )


def render(plan: Plan, checked: Checked) -> list[str]:
    lines: list[str] = []
    for result in sorted(checked.results, key=lambda r: (r.verdict != "block", str(r.ref))):
        if result.verdict != "pass":
            lines += _package(result, plan.previous.get(result.ref.name))
    lines += [f"  integrity: {text}" for text in checked.integrity]
    lines += [f"  not checked: {text}" for text in checked.unchecked]
    lines += [f"  note: {text}" for text in plan.notes]
    lines.append("depshield: " + _totals(checked.results))
    return lines


def _package(result: PackageResult, previous: str | None) -> list[str]:
    alerts = [a for a in result.alerts if a.action in _SHOWN]
    alerts.sort(key=lambda a: (a.action != "error", a.type))
    head = f"  {result.verdict.upper():5} {result.ref}"
    if previous and previous != result.ref.version:
        head += f"  (installed now: {previous})"
    lines = [head]
    lines += ["    " + _alert(a) for a in alerts[:_MAX_ALERTS]]
    if len(alerts) > _MAX_ALERTS:
        lines.append(f"    ... {len(alerts) - _MAX_ALERTS} more (depshield package {result.ref})")
    return lines


def _alert(alert: Alert) -> str:
    where = ""
    if alert.file:
        where = " " + alert.file + (f":{alert.line}" if alert.line else "")
    evidence = " ".join((alert.evidence or "").split())
    if len(evidence) > 70:
        evidence = evidence[:67] + "..."
    when = alert.props.get("when")
    at = f" [{when}]" if isinstance(when, str) else ""
    return f"{alert.type} ({alert.action}, {alert.severity}){at}{where}" + (
        f"  {evidence}" if evidence else ""
    )


def _totals(results: Sequence[PackageResult]) -> str:
    blocked = sum(r.verdict == "block" for r in results)
    warned = sum(r.verdict == "warn" for r in results)
    passed = len(results) - blocked - warned
    return f"checked {len(results)}: {blocked} blocked, {warned} with warnings, {passed} passed"


def safe_version_tip(plan: Plan, checked: Checked, tool: str) -> str | None:
    """When a blocked package replaces an installed version, pinning that version is a way out."""
    for result in checked.results:
        before = plan.previous.get(result.ref.name)
        if result.verdict == "block" and before and before != result.ref.version:
            sep = plugin(result.ref.ecosystem).version_separator
            verb = "install" if tool != "yarn" else "add"
            return f"keep the installed version: {tool} {verb} {result.ref.name}{sep}{before}"
    return None


def write(lines: Sequence[str], stream: TextIO) -> None:
    stream.write("".join(line + "\n" for line in lines))
    stream.flush()
