"""What the CI report formats share: deterministic ordering, counts, catalog text, safe text."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from depshield.alerts.catalog import CATALOG
from depshield.model import Alert, PackageResult
from depshield.reports.base import Occurrence, Report

SEVERITIES = ("critical", "high", "middle", "low")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
VERDICTS = ("block", "warn", "pass")
VERDICT_RANK = {v: i for i, v in enumerate(VERDICTS)}
SCORE_NAMES = (
    ("supplyChain", "Supply chain"),
    ("quality", "Quality"),
    ("maintenance", "Maintenance"),
    ("vulnerability", "Vulnerability"),
    ("license", "License"),
)
_WHITESPACE = re.compile(r"[\t\n\r\f\v]+")


@dataclass(frozen=True, slots=True)
class Summary:
    packages: int
    verdicts: dict[str, int]  # block/warn/pass -> count
    severities: dict[str, int]  # visible alerts per severity
    alerts: int
    errors: int


NOT_CHECKED = "not checked"


def score_text(value: int | None) -> str:
    """A score as reports show it; None is a check that was not made, never 100."""
    return NOT_CHECKED if value is None else str(value)


def vulnerabilities_status(report: Report) -> str:
    """ "checked", "not checked" or "partly checked" over the packages that were analysed."""
    analysed = [r for r in report.packages if not r.skipped]
    unchecked = sum(1 for r in analysed if r.scores.vulnerability is None)
    if not analysed or not unchecked:
        return "checked"
    return NOT_CHECKED if unchecked == len(analysed) else "partly checked"


def ordered_packages(report: Report) -> list[PackageResult]:
    """Worst first, then by purl: the same order whatever order the scan produced."""
    return sorted(
        report.packages,
        key=lambda r: (VERDICT_RANK.get(r.verdict, 3), r.scores.overall, r.ref.purl),
    )


def ordered_alerts(alerts: Sequence[Alert]) -> list[Alert]:
    return sorted(
        alerts,
        key=lambda a: (
            SEVERITY_RANK.get(a.severity, 9),
            a.type,
            a.file or "",
            a.line or 0,
            a.evidence or "",
        ),
    )


def occurrences(report: Report, purl: str) -> list[Occurrence]:
    """Direct uses first, then by lockfile and line."""
    found = report.occurrences.get(purl, ())
    return sorted(found, key=lambda o: (not o.direct, o.lockfile, o.line, o.introduced_by))


def summarize(report: Report) -> Summary:
    verdicts: Counter[str] = Counter(r.verdict for r in report.packages)
    severities: Counter[str] = Counter(
        a.severity for r in report.packages for a in report.visible_alerts(r)
    )
    return Summary(
        packages=len(report.packages),
        verdicts={v: verdicts.get(v, 0) for v in VERDICTS},
        severities={s: severities.get(s, 0) for s in SEVERITIES},
        alerts=sum(severities.values()),
        errors=len(report.errors),
    )


def overall_verdict(summary: Summary) -> str:
    return next((v for v in VERDICTS if summary.verdicts[v]), "pass")


def is_risky(report: Report, result: PackageResult) -> bool:
    """Worth a row of its own: not a clean pass."""
    return result.verdict != "pass" or bool(report.visible_alerts(result)) or bool(result.skipped)


def suggestion(alert_type: str) -> str:

    entry = CATALOG.get(alert_type)
    return entry.suggestion if entry else ""


def where(alert: Alert) -> str:
    if not alert.file:
        return ""
    return alert.file + (f":{alert.line}" if alert.line else "")


def printable(text: str, limit: int = 300) -> str:
    """One line, with control, format (bidi, zero-width) and other invisible characters shown
    as \\uXXXX escapes so attacker text cannot reorder or hide what a reviewer reads."""
    text = _WHITESPACE.sub(" ", text)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return "".join(_visible(ch) for ch in text)


def _visible(ch: str) -> str:
    if ch == " " or unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp", "Zs"):
        return ch
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def skip_reason(result: PackageResult) -> str:
    """Why a package was not analysed, without its name in front: the same reason for many
    packages ("offline and not in the cache") reads as one line with a count."""
    reason = result.skipped or ""
    ref = result.ref
    for prefix in (f"{ref.name}@{ref.version}: ", f"{ref.name}=={ref.version}: ", f"{ref.name}: "):
        if reason.startswith(prefix):
            return reason[len(prefix) :]
    return reason


def not_analysed(report: Report) -> list[tuple[str, int]]:
    """(reason, how many packages) for the packages with no analysis, the commonest first."""
    counts = Counter(skip_reason(r) for r in report.packages if r.skipped)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def not_analysed_line(report: Report) -> str:
    """One line for every package not analysed: "411 packages not analysed: offline and not
    in the cache"; empty when everything was analysed."""
    groups = not_analysed(report)
    total = sum(n for _, n in groups)
    if not total:
        return ""
    noun = "package" if total == 1 else "packages"
    if len(groups) == 1:
        return f"{total} {noun} not analysed: {groups[0][0]}"
    shown = "; ".join(f"{n} {reason}" for reason, n in groups[:3])
    more = f"; {len(groups) - 3} other reasons" if len(groups) > 3 else ""
    return f"{total} {noun} not analysed ({shown}{more})"


ADVISORY_TYPES = frozenset({"criticalCVE", "cve", "mediumCVE", "mildCVE", "malware"})
_SAFE_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[A-Za-z0-9._~/%+=:@-]*)?")


@dataclass(frozen=True, slots=True)
class Advisory:
    """What every format shows of a known-vulnerability or malware finding."""

    id: str
    aliases: tuple[str, ...]
    fix: str  # "upgrade to 2.20.0", or that no fix is known
    url: str | None  # only a plain http(s) address (it came from a registry or a feed)


def advisory(alert: Alert) -> Advisory | None:
    """The advisory behind an alert (id, aliases, fix, link), or None for other alerts."""
    props = alert.props
    ident = props.get("id")
    if alert.type not in ADVISORY_TYPES or not isinstance(ident, str) or not ident:
        return None
    aliases = tuple(str(a) for a in props.get("aliases") or () if a and a != ident)
    fix = str(props.get("suggestion") or "")
    if alert.type == "malware":
        fix = "remove the package: this version is reported as malicious"
    url = props.get("url")
    safe = url if isinstance(url, str) and _SAFE_URL.fullmatch(url) else None
    return Advisory(ident, aliases, fix, safe)


def advisory_text(found: Advisory) -> str:
    """`GHSA-x (CVE-y, NPM-1): upgrade to 2.20.0 <url>` in plain text (callers escape it)."""
    text = found.id + (f" ({', '.join(found.aliases)})" if found.aliases else "")
    if found.fix:
        text += f": {found.fix}"
    return text + (f"  {found.url}" if found.url else "")


# Capability alerts: many per package in ordinary code. Text and Markdown show one line per
# type per package with a count; JSON and HTML keep every location.
CAPABILITY_TYPES = frozenset(
    {
        "networkAccess",
        "filesystemAccess",
        "envVars",
        "shellAccess",
        "usesEval",
        "debugAccess",
        "dynamicRequire",
        "hasNativeCode",
        "urlStrings",
    }
)


def collapsed(alerts: Sequence[Alert]) -> list[tuple[Alert, int]]:
    """(alert, count): a capability type once, at its first alert, with how many there are;
    any other alert with a count of 1. The order of first appearance is kept."""
    counts: Counter[str] = Counter(a.type for a in alerts if a.type in CAPABILITY_TYPES)
    out: list[tuple[Alert, int]] = []
    shown: set[str] = set()
    for a in alerts:
        if a.type not in CAPABILITY_TYPES:
            out.append((a, 1))
        elif a.type not in shown:
            shown.add(a.type)
            out.append((a, counts[a.type]))
    return out
