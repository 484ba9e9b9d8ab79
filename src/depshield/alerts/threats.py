"""Correlation: combinations of signals that look like attacks become threat findings.

Single capabilities are common in good packages; the chains below are what attacks look like
(docs/threats.md). A context is the code that runs together: everything reachable from the
install scripts, or one file plus the files it imports directly.
"""

from __future__ import annotations

import re
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
    native: tuple[str, ...] = ()  # shipped executables (hasNativeCode) of the package

    def of(self, signal: str) -> list[Finding]:
        return [f for f in self.findings if f.type == signal]

    def kinds(self, signal: str) -> set[str]:
        return {str(f.props.get("kind", "")) for f in self.of(signal)}

    def has(self, type_: str) -> bool:
        return any(f.type == type_ for f in self.findings)


Rule = Callable[[Context], Iterable[Finding]]


def _threat(
    type_: str,
    ctx: Context,
    anchor: Finding,
    chain: list[Finding],
    *,
    always_severe: bool = False,
    **props: object,
) -> Finding:
    severe = always_severe or ctx.when in (When.INSTALL, When.IMPORT)
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


def _sources(ctx: Context) -> list[Finding]:
    """Sensitive reads (the analyzers decide what reads the whole environment: a copy passed
    as a child process's `env` is not exfiltration, `JSON.stringify(process.env)` is)."""
    return ctx.of(SIGNAL_SOURCE)


def beacon(ctx: Context) -> Iterable[Finding]:
    """Install-time code that phones home without reading anything we call sensitive: a
    lifecycle script that itself contacts a host (`curl https://x/ping`, `curl -d ...`), a
    network tool started by install code (`spawn('curl', url)`), or DNS queries for computed
    names (DNS tunnelling). Dependency-confusion probes announce every install this way."""
    if ctx.when is not When.INSTALL:
        return []
    network = _network_spawns(ctx)
    calls = [
        f
        for f in ctx.findings
        if (f.file == "package.json" and f.type in (SIGNAL_SINK, SIGNAL_DOWNLOAD))
        or (f.type == SIGNAL_SINK and f.props.get("kind") == "dns")
        or f in network
        or (f.type == SIGNAL_SINK and _literal_host(f.evidence))
    ]
    if not calls or _sources(ctx):
        return []  # with a source, exfiltration() reports it with the full chain
    anchor = calls[0]
    return [
        _threat(
            "dataExfiltration",
            ctx,
            anchor,
            calls[:2],
            source=["install-beacon"],
            sink=sorted({str(c.props.get("kind") or "network") for c in calls}),
        )
    ]


def _literal_host(evidence: str) -> bool:
    """A request written against a fixed host (`got.post('https://x/collect', ...)`,
    `request({hostname: 'x'})`): installers that fetch binaries build their URLs from the
    registry configuration or a download mirror variable, probes hard-code where they report."""
    text = evidence.replace(" ", "")
    return any(
        mark in text
        for mark in ("('http", '("http', "(`http", "hostname:'", 'hostname:"', "host:'", 'host:"')
    )


# A registry name, not an option, a path (`pip install .`) or a computed word (`$EXPR`).
_PACKAGE_NAME = re.compile(r"^(?:@[\w.-]+/)?[A-Za-z0-9][\w.-]*(?:[@=<>~^]=?[\w.*-]+)?$")


def package_installs(ctx: Context) -> Iterable[Finding]:
    """An install script that installs more packages (`npm install sync-request && node x.js`):
    code that no lockfile pinned and no review saw is fetched and run during the install."""
    if ctx.when is not When.INSTALL:
        return []
    for spawn in ctx.of(SIGNAL_SPAWN):
        command = str(spawn.props.get("command") or "").lower()
        args = spawn.props.get("args") or ""
        words = args.split() if isinstance(args, str) else [str(a) for a in args]
        if (
            command in ("npm", "yarn", "pnpm", "pip", "pip3")
            and words[:1]
            and words[0] in ("install", "i", "add")
            # a literal package name: installers of their own platform build compute it
            # (esbuild's fallback `npm install ${pkg}@${version}`)
            and any(_PACKAGE_NAME.match(w) for w in words[1:])
        ):
            return [
                _threat(
                    "remoteCodeDownload",
                    ctx,
                    spawn,
                    [spawn],
                    how="installs packages outside the lockfile",
                )
            ]
    return []


def _network_spawns(ctx: Context) -> list[Finding]:
    """Processes that send by themselves (`spawn('curl', url)`, `ping`, `nslookup`)."""
    return [
        f
        for f in ctx.of(SIGNAL_SPAWN)
        if str(f.props.get("command") or "").lower() in NETWORK_COMMANDS
    ]


def exfiltration(ctx: Context) -> Iterable[Finding]:
    # A network tool started by the code sends as surely as a request does: the host data a
    # probe collects goes out in `curl https://x/p/${id}`.
    sources, sinks = _sources(ctx), [*ctx.of(SIGNAL_SINK), *_network_spawns(ctx)]
    if not sources or not sinks:
        return []
    kinds = {str(f.props.get("kind", "")) for f in sources}
    sink_kinds = {str(f.props.get("kind") or "network") for f in sinks}
    if ctx.when is When.INSTALL or "webhook" in sink_kinds:
        qualifies = True
    elif ctx.when is When.IMPORT:
        qualifies = bool(kinds & STRONG_SOURCES) or len(kinds & WEAK_SOURCES) >= 2
    else:
        qualifies = bool(kinds & CALL_SOURCES)
    if not qualifies:
        return []
    sink = sinks[0]
    # Browser profiles and wallets have no legitimate use in a library: reading them and
    # sending anything is an attack even in a function that only runs when called. (Chat
    # webhooks do have honest users, e.g. a Telegram progress notifier: those stay at warn.)
    # A web session token posted to a chat webhook is a token grabber (Discord's web client
    # keeps its token in localStorage): no analytics or logging sends that.
    certain = "credential-store" in kinds or ("browser-token" in kinds and "webhook" in sink_kinds)
    return [
        _threat(
            "dataExfiltration",
            ctx,
            sink,
            [*sources[:3], sink],
            always_severe=certain,
            source=sorted(kinds),
            sink=sorted(sink_kinds),
        )
    ]


NETWORK_COMMANDS = frozenset(
    {
        "curl",
        "wget",
        "nc",
        "ncat",
        "nslookup",
        "dig",
        "ping",
        "host",
        "certutil",
        "bitsadmin",
        "invoke-webrequest",
        "iwr",
    }
)
SCRIPT_RUNNERS = frozenset(
    {"node", "nodejs", "python", "python3", "sh", "bash", "cmd", "powershell"}
)


def remote_code(ctx: Context) -> Iterable[Finding]:
    downloads = ctx.of(SIGNAL_DOWNLOAD)
    if not downloads:
        return []
    runs = ctx.of(SIGNAL_EXEC)
    if runs:
        return [_threat("remoteCodeDownload", ctx, runs[0], [downloads[0], runs[0]], how="eval")]
    if ctx.when is not When.INSTALL:
        return []
    spawns, writes = ctx.of(SIGNAL_SPAWN), ctx.of(SIGNAL_WRITE)
    written = {str(w.props.get("detail") or "") for w in writes} - {""}
    for spawn in spawns:
        command = str(spawn.props.get("command") or "")
        args = str(spawn.props.get("args") or "")
        # Legitimate installers fetch prebuilt binaries too, but they run them from a computed
        # path; running the very literal path just written (`/tmp/x`), or a script runner on a
        # computed file right after a download, is how droppers look.
        runs_written = any(
            path in f"{command} {args} {spawn.evidence}"
            for path in written
            if "/" in path or "\\" in path
        )
        runs_fetched = command in SCRIPT_RUNNERS and "$EXPR" in args
        if runs_written or runs_fetched or ctx.has("suspiciousString") and writes:
            return [
                _threat(
                    "remoteCodeDownload",
                    ctx,
                    spawn,
                    [downloads[0], *writes[:1], spawn],
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


def dropper(ctx: Context) -> Iterable[Finding]:
    """Code starting an executable the package ships (a PE or ELF next to the script:
    `exec('dropper.exe')`): blocks at install or import; in a function that only runs when
    called it warns, and only when the code also makes the file executable."""
    if not ctx.native:
        return []
    for spawn in ctx.of(SIGNAL_SPAWN):
        text = (
            f"{spawn.evidence} {spawn.props.get('command') or ''} {spawn.props.get('args') or ''}"
        )
        if ctx.when is When.CALL and "chmod" not in text:
            # Wrappers of a bundled tool (clipboardy's xsel) start it when asked; making it
            # executable first, then running it, is the dropper's sequence.
            continue
        hit = next((n for n in ctx.native if n.rsplit("/", 1)[-1] in text), None)
        if hit is not None:
            return [_threat("binaryDropper", ctx, spawn, [spawn], binary=hit)]
    return []


DESTRUCTIVE = (
    "shutdown ",
    "shutdown.exe",
    "rm -rf /",
    "rm -rf ~",
    "del /f /s /q",
    "format c:",
    "mkfs",
    ":(){ :|:& };:",
    "reboot",
)
_PRINTERS = frozenset({"echo", "printf", "write-host", "write-output"})
# A recursive delete aimed above the package (`rm -fr $DIR/../..` from the package folder is
# the project that installed it) or at the home folder, and disk fillers (`dd if=/dev/zero`).
_DESTRUCTIVE_RE = re.compile(
    r"\brm\s+-[a-z]*(?:rf|fr)[a-z]*\s+(?:\S*\.\./\.\./?|\$home/?|\$\{home\}/?|/\*|~/?\*?)(?:\s|$|[;&|])"
    r"|\bdd\s+if=/dev/(?:zero|urandom)\b"
)


def sabotage(ctx: Context) -> Iterable[Finding]:
    """Install-time commands that damage the machine: protestware and trolls. Nothing honest
    shuts the machine down or deletes outside its own folder while being installed, so these
    block like the other threats."""
    if ctx.when is not When.INSTALL:
        return []
    for spawn in ctx.of(SIGNAL_SPAWN):
        text = f"{spawn.props.get('command') or ''} {spawn.props.get('args') or ''}".lower()
        if text.split(" ", 1)[0] in _PRINTERS:
            continue  # `echo "reboot to finish"` only says the word
        if any(d in text + " " for d in DESTRUCTIVE) or _DESTRUCTIVE_RE.search(text):
            props = {"when": "install", "command": text, "severity": "critical", "action": "error"}
            return [replace(spawn, type="troll", props=props)]
    return []


# A URL naming a program or script to fetch: `node get.js https://x/a.exe`, `curl -o a.ps1 ...`.
_REMOTE_PROGRAM = re.compile(
    r"\bhttps?://[^\s'\"`]+?\.(?:exe|scr|msi|bat|cmd|ps1|vbs|hta|dll|sh|elf|bin)(?=$|[\s'\"`?#])",
    re.IGNORECASE,
)
# PowerShell told to hide its window: the classic way to run something the user must not see.
_HIDDEN_POWERSHELL = re.compile(
    r"powershell(?:\.exe)?\b.*\s-(?:w|win|window|windowstyle)\s+(?:h|hid|hidden)\b",
    re.IGNORECASE,
)


# Remote desktop tools: attackers start (or silently install) one to come back at will.
_REMOTE_ACCESS = re.compile(
    r"(?:^|[\\/\s'\"])(?:teamviewer|anydesk|rustdesk|screenconnect|connectwisecontrol)"
    r"(?:_service)?(?:\.exe)?\b",
    re.IGNORECASE,
)


def remote_program(ctx: Context) -> Iterable[Finding]:
    """A process started on a remote executable's URL (downloaders of droppers pass it on the
    command line), or a remote desktop tool started by the package; severe at install or
    import, a warning in code that runs when called."""
    for spawn in ctx.of(SIGNAL_SPAWN):
        text = f"{spawn.props.get('command') or ''} {spawn.props.get('args') or ''}"
        if _REMOTE_PROGRAM.search(text):
            return [_threat("remoteCodeDownload", ctx, spawn, [spawn], how="spawn-remote-program")]
        if _REMOTE_ACCESS.search(text):
            return [_threat("reverseShell", ctx, spawn, [spawn], how="remote-desktop-tool")]
    return []


def hidden_window(ctx: Context) -> Iterable[Finding]:
    """Install- or import-time PowerShell with a hidden window: hidden behaviour (warn)."""
    if ctx.when is When.CALL:
        return []
    for spawn in ctx.of(SIGNAL_SPAWN):
        text = f"{spawn.props.get('command') or ''} {spawn.props.get('args') or ''}"
        if _HIDDEN_POWERSHELL.search(text):
            props = {"when": ctx.when.value, "reason": "PowerShell with a hidden window"}
            return [replace(spawn, type="troll", props=props)]
    return []


def ssh_backdoor(ctx: Context) -> Iterable[Finding]:
    """Install- or import-time code adding a key to `~/.ssh/authorized_keys`: a remote login
    for whoever holds the private key, the way SSH backdoors persist (an SSH manager writing
    keys when it is asked to runs only when called, and is not judged here)."""
    if ctx.when is When.CALL:
        return []
    for write in ctx.of(SIGNAL_WRITE):
        if write.props.get("target") == "ssh-authorized-keys":
            return [_threat("reverseShell", ctx, write, [write], how="ssh-authorized-keys")]
    return []


RULES: tuple[Rule, ...] = (
    ssh_backdoor,
    package_installs,
    exfiltration,
    beacon,
    remote_code,
    encoded_payload,
    credentials,
    dropper,
    sabotage,
    remote_program,
    hidden_window,
)


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
