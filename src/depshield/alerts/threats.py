"""Correlation: combinations of signals that look like attacks become threat findings.

Single capabilities are common in good packages; the chains below are what attacks look like
(docs/threats.md). A context is the code that runs together: everything reachable from the
install scripts, or one file plus the files it imports directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from depshield.analyzers.base import (
    SIGNAL_DECODE,
    SIGNAL_DOWNLOAD,
    SIGNAL_EXEC,
    SIGNAL_SINK,
    SIGNAL_SOURCE,
    SIGNAL_SPAWN,
    SIGNAL_WRITE,
)
from depshield.model import Finding, When

STRONG_SOURCES = frozenset({"env-all", "secret-env", "sensitive-file", "credential-store"})
WEAK_SOURCES = frozenset({"hostname", "userinfo", "system-info"})
# What a function that only runs when called must read to count as exfiltration: legitimate
# SDKs read credential files and send requests (that is their job), so only the whole
# environment or a credential store qualifies there.
CALL_SOURCES = frozenset({"env-all", "credential-store"})


@dataclass(frozen=True, slots=True)
class Context:
    when: When
    findings: Sequence[Finding]

    def of(self, signal: str) -> list[Finding]:
        return [f for f in self.findings if f.type == signal]

    def kinds(self, signal: str) -> set[str]:
        return {str(f.props.get("kind", "")) for f in self.of(signal)}

    def has(self, type_: str) -> bool:
        return any(f.type == type_ for f in self.findings)


Rule = Callable[[Context], Iterable[Finding]]


def _threat(
    type_: str, ctx: Context, anchor: Finding, chain: list[Finding], **props: object
) -> Finding:
    severe = ctx.when in (When.INSTALL, When.IMPORT)
    return Finding(
        type_,
        anchor.file,
        anchor.line,
        anchor.evidence,
        props={
            "when": ctx.when.value,
            "chain": [f"{f.file}:{f.line} {f.evidence}"[:160] for f in chain],
            "severity": None if severe else "high",
            "action": None if severe else "warn",
            **props,
        },
        top_level=anchor.top_level,
    )


def exfiltration(ctx: Context) -> Iterable[Finding]:
    sources, sinks = ctx.of(SIGNAL_SOURCE), ctx.of(SIGNAL_SINK)
    if not sources or not sinks:
        return []
    kinds, sink_kinds = ctx.kinds(SIGNAL_SOURCE), ctx.kinds(SIGNAL_SINK)
    if ctx.when is When.INSTALL or "webhook" in sink_kinds:
        qualifies = True
    elif ctx.when is When.IMPORT:
        qualifies = bool(kinds & STRONG_SOURCES) or len(kinds & WEAK_SOURCES) >= 2
    else:
        qualifies = bool(kinds & CALL_SOURCES)
    if not qualifies:
        return []
    sink = sinks[0]
    return [
        _threat(
            "dataExfiltration",
            ctx,
            sink,
            [*sources[:3], sink],
            source=sorted(kinds),
            sink=sorted(sink_kinds),
        )
    ]


def remote_code(ctx: Context) -> Iterable[Finding]:
    downloads = ctx.of(SIGNAL_DOWNLOAD)
    if not downloads:
        return []
    runs = ctx.of(SIGNAL_EXEC)
    if runs:
        return [_threat("remoteCodeDownload", ctx, runs[0], [downloads[0], runs[0]], how="eval")]
    spawns, writes = ctx.of(SIGNAL_SPAWN), ctx.of(SIGNAL_WRITE)
    # Download + write + spawn is also how legitimate installers fetch prebuilt binaries; it
    # only counts when the code also names a suspicious host (paste site, raw IP, tunnel).
    if spawns and writes and ctx.when is When.INSTALL and ctx.has("suspiciousString"):
        return [
            _threat(
                "remoteCodeDownload",
                ctx,
                spawns[0],
                [downloads[0], writes[0], spawns[0]],
                how="download-and-spawn",
            )
        ]
    return []


def encoded_payload(ctx: Context) -> Iterable[Finding]:
    decodes, runs = ctx.of(SIGNAL_DECODE), ctx.of(SIGNAL_EXEC)
    if not decodes or not runs:
        return []
    if not (ctx.has("highEntropyStrings") or ctx.has("longStrings")):
        return []
    return [_threat("encodedPayloadExecution", ctx, runs[0], [decodes[0], runs[0]])]


def credentials(ctx: Context) -> Iterable[Finding]:
    stores = [f for f in ctx.of(SIGNAL_SOURCE) if f.props.get("kind") == "credential-store"]
    if not stores:
        return []
    anchor = stores[0]
    return [
        replace(
            anchor,
            type="credentialHarvesting",
            props={"when": ctx.when.value, "detail": anchor.props.get("detail")},
        )
    ]


RULES: tuple[Rule, ...] = (exfiltration, remote_code, encoded_payload, credentials)


def correlate(contexts: Iterable[Context]) -> list[Finding]:
    """Every threat any rule sees in any context, one per (type, file, line)."""
    seen: set[tuple[str, str, int]] = set()
    threats: list[Finding] = []
    for ctx in contexts:
        for rule in RULES:
            for threat in rule(ctx):
                key = (threat.type, threat.file, threat.line)
                if key not in seen:
                    seen.add(key)
                    threats.append(threat)
    return threats
