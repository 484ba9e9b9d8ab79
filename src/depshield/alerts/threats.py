"""Correlation: combinations of signals that look like attacks become threat findings.

Single capabilities are common in good packages; the chains below are what attacks look like
(docs/threats.md). A context is the code that runs together: everything reachable from the
install scripts, or one file plus the files it imports directly. Threats to the machine itself
(droppers, sabotage, backdoors) are in host_threats.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from depshield.alerts.build_steps import source_archive
from depshield.alerts.host_threats import (
    dropper,
    hidden_window,
    remote_program,
    sabotage,
    ssh_backdoor,
    user_folder_write,
)
from depshield.alerts.threat_base import Context, Rule, threat
from depshield.analyzers.base import (
    SIGNAL_DECODE,
    SIGNAL_DOWNLOAD,
    SIGNAL_EXEC,
    SIGNAL_SINK,
    SIGNAL_SOURCE,
    SIGNAL_SPAWN,
    SIGNAL_WRITE,
)
from depshield.ecosystems.system_commands import PACKAGE_INSTALLERS
from depshield.model import Finding, Override, When

__all__ = ["RULES", "Context", "correlate"]

STRONG_SOURCES = frozenset({"env-all", "secret-env", "sensitive-file", "credential-store"})
WEAK_SOURCES = frozenset({"hostname", "userinfo", "system-info"})
# What a function that only runs when called must read to count as exfiltration: legitimate
# SDKs read credential files and send requests (that is their job), so only the whole
# environment or a credential store qualifies there.
CALL_SOURCES = frozenset({"env-all", "credential-store"})


def _sources(ctx: Context) -> list[Finding]:
    """Sensitive reads (the analyzers decide what reads the whole environment: a copy passed
    as a child process's `env` is not exfiltration, `JSON.stringify(process.env)` is)."""
    return ctx.of(SIGNAL_SOURCE)


# Variables by which users switch usage reporting off: DO_NOT_TRACK, NEXT_TELEMETRY_DISABLED,
# SCARF_ANALYTICS, CHECKPOINT_DISABLE. Honouring one is what tells telemetry from a probe.
_OPT_OUT = re.compile(r"^DO_NOT_TRACK$|TELEMETRY|ANALYTICS|^CHECKPOINT_DISABLE$", re.IGNORECASE)


def _opt_out(ctx: Context) -> str | None:
    """The opt-out variable the code reads, if any."""
    for f in ctx.of("envVars"):
        for name in f.props.get("envVars") or ():
            if isinstance(name, str) and _OPT_OUT.search(name):
                return name
    return None


def telemetry(ctx: Context) -> Iterable[Finding]:
    """Code that reports usage home and reads an opt-out variable (install time is judged in
    beacon(), which this replaces there): worth knowing, and a user can turn it off."""
    if ctx.when is When.INSTALL or _sources(ctx):
        return []
    variable = _opt_out(ctx)
    sinks = [f for f in ctx.of(SIGNAL_SINK) if f.props.get("kind") in ("network", None)]
    # Usage reports go to the package's own fixed address: a client that sends where its
    # caller points it and merely honours DO_NOT_TRACK elsewhere is not telemetry.
    if variable is None or not sinks or not ctx.has("urlStrings"):
        return []
    return [_telemetry(ctx, sinks[0], variable)]


def _telemetry(ctx: Context, anchor: Finding, variable: str) -> Finding:
    found = threat("telemetry", ctx, anchor, [anchor], optOut=variable)
    # Not a threat: the catalog's severity and action (high, monitor) apply at any time.
    return replace(found, override=None)


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
        # a request to a host the file names whose response nothing reads (javascript/report.py)
        or (f.type == SIGNAL_SINK and bool(f.props.get("reportsHome")))
    ]
    # A build fetching its pinned source archive announces nothing but the build.
    calls = [c for c in calls if not source_archive(c.props.get("url"))]
    if not calls or _sources(ctx):
        return []  # with a source, exfiltration() reports it with the full chain
    anchor = calls[0]
    variable = _opt_out(ctx)
    if variable is not None:  # reports nothing sensitive and honours an opt-out: telemetry
        return [_telemetry(ctx, anchor, variable)]
    key = _licence_key(ctx)
    if key is not None and all(_request(c) for c in calls):
        return [_licence_check(ctx, anchor, calls[:2], key)]
    return [
        threat(
            "dataExfiltration",
            ctx,
            anchor,
            calls[:2],
            source=["install-beacon"],
            sink=sorted({str(c.props.get("kind") or "network") for c in calls}),
        )
    ]


# The licence key a user sets for a commercial package (`ACME_LICENSE_KEY`, `X_LICENCE`).
_LICENCE = re.compile(r"LICEN[CS]E", re.IGNORECASE)


def _licence_key(ctx: Context) -> str | None:
    """The licence variable the install code reads, if any."""
    for f in ctx.of("envVars"):
        for name in f.props.get("envVars") or ():
            if isinstance(name, str) and _LICENCE.search(name):
                return name
    return None


def _request(call: Finding) -> bool:
    """A request made by the code (not a lifecycle line's curl, a DNS query or a tool)."""
    return (
        call.type == SIGNAL_SINK
        and call.file != "package.json"
        and call.props.get("kind") in ("network", None)
    )


def _licence_check(ctx: Context, anchor: Finding, calls: list[Finding], key: str) -> Finding:
    """Install code that reads the licence key its user set and asks a fixed host about it,
    reading nothing else we call sensitive: the vendor's licence server, which the user
    enabled by setting the key. A probe has no key to check; what it reads from the machine
    makes it exfiltration() whatever variables it also reads."""
    found = threat(
        "dataExfiltration",
        ctx,
        anchor,
        calls,
        source=["install-beacon"],
        sink=["network"],
        licenceKey=key,
    )
    props = {
        **found.props,
        "note": f"a licence check: sends the key set in {key} and nothing read from the machine",
    }
    return replace(found, props=props, override=Override("middle", "monitor"))


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
            command in PACKAGE_INSTALLERS
            and words[:1]
            and words[0] in ("install", "i", "add")
            # a literal package name: installers of their own platform build compute it
            # (esbuild's fallback `npm install ${pkg}@${version}`)
            and any(_PACKAGE_NAME.match(w) for w in words[1:])
        ):
            return [
                threat(
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
    sources = _sources(ctx)
    sinks = [f for f in [*ctx.of(SIGNAL_SINK), *_network_spawns(ctx)] if not _loopback(f)]
    if ctx.when is not When.INSTALL and not any("deobfuscated" in f.props for f in sources):
        # A request written entirely as literals (`fetch("https://x/sample.ogg")`) carries
        # none of the data read elsewhere: it is a download, not the send. (At install time
        # such a request is itself the phone-home, see beacon(); in code that hid its strings
        # the send itself may be one we cannot resolve, so the request stays the evidence.)
        sinks = [f for f in sinks if not f.props.get("bare")]
    sources, sinks = _crossing(ctx, sources, sinks)
    if not sources or not sinks or not _sends(ctx, sinks):
        return []
    kinds = {str(f.props.get("kind", "")) for f in sources}
    sink_kinds = {str(f.props.get("kind") or "network") for f in sinks}
    # Strings the code hid (a string array decoded statically, analyzers/javascript/strarray.py)
    # that turn out to name a sensitive read and a send: hiding where data goes is the intent.
    hidden = bool(kinds & STRONG_SOURCES) and any(
        "deobfuscated" in f.props for f in (*sources, *sinks)
    )
    if ctx.when is When.INSTALL or "webhook" in sink_kinds or hidden:
        qualifies = True
    elif ctx.when is When.IMPORT:
        qualifies = bool(kinds & STRONG_SOURCES) or (
            len(kinds & WEAK_SOURCES) >= 2 and any(_fixed_destination(f) for f in sinks)
        )
    else:
        qualifies = bool(kinds & CALL_SOURCES)
    if not qualifies:
        return []
    if ctx.when is When.CALL and "credential-store" not in kinds and not hidden:
        # A client that sends to the address its caller or config gives (a proxy agent,
        # an HTTP helper, an SDK) is doing its job; exfiltration names its own destination.
        # The JavaScript analyzer says which sinks do (`fixedHost`); others count as fixed.
        sinks = [s for s in sinks if s.props.get("fixedHost", _fixed_spawn(s))]
        if not sinks:
            return []
    sink = sinks[0]
    # Browser profiles and wallets have no legitimate use in a library: reading them and
    # sending anything is an attack even in a function that only runs when called. (Chat
    # webhooks do have honest users, e.g. a Telegram progress notifier: those stay at warn.)
    # A web session token posted to a chat webhook is a token grabber (Discord's web client
    # keeps its token in localStorage): no analytics or logging sends that.
    certain = (
        "credential-store" in kinds
        or ("browser-token" in kinds and "webhook" in sink_kinds)
        or hidden
    )
    return [
        threat(
            "dataExfiltration",
            ctx,
            sink,
            [*sources[:3], sink],
            always_severe=certain,
            source=sorted(kinds),
            sink=sorted(sink_kinds),
        )
    ]


def _crossing(
    ctx: Context, sources: list[Finding], sinks: list[Finding]
) -> tuple[list[Finding], list[Finding]]:
    """The sources and sinks that can meet: in one file, or one in the context's own file and
    the other in a file it imports (`require('./send')(JSON.stringify(process.env))`, or a
    collector it imports whose result it sends). A read in one imported file and a request in
    another (a CLI importing both its config loader and a certificate downloader) have no
    path between them through the importer's code alone."""
    if ctx.root is None:
        return sources, sinks

    def meet(source: Finding, sink: Finding) -> bool:
        return source.file == sink.file or ctx.root in (source.file, sink.file)

    kept = [s for s in sinks if any(meet(src, s) for src in sources)]
    return [src for src in sources if any(meet(src, s) for s in kept)], kept


# A host written as a literal in a network tool's command line: a URL, or a quoted dotted name.
_LITERAL_HOST = re.compile(r"://|[\"'`](?:[\w-]+\.)+[a-z]{2,}[\"'`/:]", re.IGNORECASE)


def _fixed_spawn(sink: Finding) -> bool:
    """Whether a network tool the code starts goes to a host the code names: `curl
    https://x/p -d ...` or a command line all of literals does; `spawn("nc", ["-z", host,
    port])`, a port check on the host its caller gives, does not."""
    if sink.type != SIGNAL_SPAWN or isinstance(sink.props.get("args"), str):
        return True
    return bool(_LITERAL_HOST.search(sink.evidence))


_LOOPBACK = re.compile(
    r"^[a-z][\w+.-]*://(?:[^@/]*@)?(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1?\])(?=[:/]|$)",
    re.IGNORECASE,
)


def _loopback(sink: Finding) -> bool:
    """A request to this machine (`requests.get("http://localhost:11434")`, a local daemon's
    API) sends nothing off the host."""
    return bool(_LOOPBACK.match(str(sink.props.get("url") or "")))


def _sends(ctx: Context, sinks: list[Finding]) -> bool:
    """Install-time code, or Python code with a sending operation: outside install time, a
    literal naming an endpoint (`API = "https://api.telegram.org/bot"`, a settings table of
    testing hosts) with no request the analyzer can see sends nothing by itself."""
    if ctx.when is When.INSTALL:
        return True
    return any(not f.props.get("literal") or not _python(f.file) for f in sinks)


def _python(path: str) -> bool:
    return path.lower().endswith((".py", ".pyw", ".pth"))


def _fixed_destination(sink: Finding) -> bool:
    """A send to a host the code names (a literal URL, a webhook, a network command): a host
    survey sent where the user points a client (an agent reporting to its configured manager)
    is the client's job, probes report to a host of their own."""
    return (
        bool(sink.props.get("url"))
        or sink.props.get("kind") == "webhook"
        or sink.type == SIGNAL_SPAWN
        or not _python(sink.file)
    )


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


def _payload_runs(ctx: Context) -> list[Finding]:
    """Execs of code that may have come from elsewhere: code a file assembles from its own
    code text (a template compiler's `new Function("d", "return {" + ... + "}")`) is visible
    where it runs, so it pairs with no download or decode of the context (a direct flow from
    a download into it is reported by the analyzer itself)."""
    return [f for f in ctx.of(SIGNAL_EXEC) if f.props.get("code") != "generated"]


def remote_code(ctx: Context) -> Iterable[Finding]:
    # A request for a file the package ships itself (its own .wasm) downloads nothing new.
    downloads = [d for d in ctx.of(SIGNAL_DOWNLOAD) if d.props.get("asset") != "own"]
    if not downloads:
        return []
    runs = _payload_runs(ctx)
    if runs:
        # A download from the URL its caller gives whose flow into an eval the analyzer traced
        # (a module loader) is judged by that flow; co-occurrence would add nothing.
        traced = {
            (f.file, f.line, f.column)
            for f in ctx.of("remoteCodeDownload")
            if f.props.get("how") == "download-then-eval" and f.props.get("fixedHost") is False
        }
        downloads = [d for d in downloads if (d.file, d.line, d.column) not in traced]
    if downloads and runs:
        download, run = _nearest(downloads, runs)
        chain = [download, run]
        return [threat("remoteCodeDownload", ctx, run, chain, how="eval", **_apart(chain))]
    if not downloads:
        return []
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
                threat(
                    "remoteCodeDownload",
                    ctx,
                    spawn,
                    [downloads[0], *writes[:1], spawn],
                    how="download-and-spawn",
                )
            ]
    return []


# Code a runtime or a shell runs as it is: what a build downloads is an archive of sources or
# a prebuilt library, not a loose script (build_steps.source_archive).
_SCRIPT_URL = re.compile(r"\.(py|pyw|js|cjs|mjs|sh|bash|ps1|psm1|bat|cmd|vbs|jse?)$", re.IGNORECASE)


def saved_script(ctx: Context) -> Iterable[Finding]:
    """Install-time code that downloads a script from a literal URL and writes it to disk
    (`requests.get(".../rat.py")` then `open("rat.py", "wb").write(...)`): code fetched from
    outside the package, put where a later command or entry point runs it."""
    if ctx.when is not When.INSTALL:
        return []
    writes = ctx.of(SIGNAL_WRITE)
    if not writes:
        return []
    for download in ctx.of(SIGNAL_DOWNLOAD):
        url = str(download.props.get("url") or "")
        path = url.split("#", 1)[0].split("?", 1)[0]
        if "://" in path and "/" in path.split("://", 1)[1] and _SCRIPT_URL.search(path):
            chain = [download, writes[0]]
            return [threat("remoteCodeDownload", ctx, download, chain, how="script-saved")]
    return []


def encoded_payload(ctx: Context) -> Iterable[Finding]:
    decodes, runs = ctx.of(SIGNAL_DECODE), _payload_runs(ctx)
    if not decodes or not runs:
        return []
    if not (ctx.has("highEntropyStrings") or ctx.has("longStrings")):
        return []
    decode, run = _nearest(decodes, runs)
    chain = [decode, run]
    return [threat("encodedPayloadExecution", ctx, run, chain, **_apart(chain))]


_JS_FILES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")


def _nearest(ends: list[Finding], runs: list[Finding]) -> tuple[Finding, Finding]:
    """The pair that sits closest (same file first, then one function, then fewest lines
    apart): the chain a reader checks, and the one grading weighs when it asks how far apart
    the two ends are.
    (JavaScript only for now: Python keeps the first pair its figures were measured with.)"""
    if not runs[0].file.endswith(_JS_FILES):
        return ends[0], runs[0]
    return min(
        ((e, r) for e in ends[:50] for r in runs[:50]),
        key=lambda p: (
            p[0].file != p[1].file,
            not _one_function(*p),
            abs(p[0].line - p[1].line),
            abs((p[0].column or 0) - (p[1].column or 0)),
        ),
    )


APART_LINES = 30  # lines: a download and an eval further apart are rarely one function
APART_BYTES = 5000  # the same on one minified line: ~30 lines of ordinary code


def _apart(chain: list[Finding]) -> dict[str, bool]:
    """`apart`: the two ends of a JavaScript co-occurrence sit in different files, far apart in
    one (lines, or bytes on one minified line), or in code that does not run together
    (_one_function); grading weighs it for code that only runs when called. Python chains are
    weighed from their lines (grading._apart)."""
    end, run = chain
    if not run.file.endswith(_JS_FILES):
        return {}
    lines = abs(end.line - run.line)
    far_on_line = lines == 0 and abs((end.column or 0) - (run.column or 0)) > APART_BYTES
    apart = end.file != run.file or lines > APART_LINES or far_on_line
    return {"apart": apart or not _one_function(end, run)}


def _one_function(a: Finding, b: Finding) -> bool:
    """Whether the two ends run together: one sits inside the function that holds the other
    (`fetch(u).then(t => eval(t))`, a download and an eval in one function body), or the
    smallest code around both is itself small (a minified loader's `g` storing a fetch and its
    `m` running it, a few hundred bytes). Two functions of a bundle that meet only in a module
    table (a fetch helper, a sandbox's `runInNewContext`) share a line when minified and
    nothing else. The analyzer places its signals (`fn`, `at`)."""
    if a.file != b.file:
        return False
    fa, fb = a.props.get("fn"), b.props.get("fn")
    at_a, at_b = a.props.get("at"), b.props.get("at")
    if not (fa and fb and isinstance(at_a, int) and isinstance(at_b, int)):
        return True  # not placed: the line distance is all there is
    if fa[0][0] <= at_b < fa[0][1] or fb[0][0] <= at_a < fb[0][1]:
        return True
    common = next((s for s in fa if s[0] <= at_b < s[1]), fa[-1])
    return bool(common[1] - common[0] <= APART_BYTES)


def credentials(ctx: Context) -> Iterable[Finding]:
    stores = [f for f in ctx.of(SIGNAL_SOURCE) if f.props.get("kind") == "credential-store"]
    if not stores:
        return []
    anchor = stores[0]
    props: dict[str, object] = {"when": ctx.when.value, "detail": anchor.props.get("detail")}
    if any(f.type == "obfuscatedFile" and f.file == anchor.file for f in ctx.findings):
        # Password managers and browser tools name the stores they read; code that hides its
        # names and strings while reading one hides what it takes: blocks wherever it sits.
        props["note"] = "read by code that hides itself"
        grade = Override("critical", "error")
        return [replace(anchor, type="credentialHarvesting", props=props, override=grade)]
    if ctx.when is When.CALL and _python(anchor.file) and not _any_send(ctx):
        # A browser-cookie reader that hands the cookies to its caller (a downloader's
        # `--cookies-from-browser`) sends them nowhere itself; a stealer's send is judged
        # by exfiltration(), which blocks a credential store read with any send.
        props["note"] = "read, never sent here"
        grade = Override("middle", "monitor")
        return [replace(anchor, type="credentialHarvesting", props=props, override=grade)]
    return [replace(anchor, type="credentialHarvesting", props=props)]


def _any_send(ctx: Context) -> bool:
    sinks = [*ctx.of(SIGNAL_SINK), *_network_spawns(ctx)]
    return any(not f.props.get("literal") for f in sinks)


RULES: tuple[Rule, ...] = (
    ssh_backdoor,
    package_installs,
    exfiltration,
    beacon,
    remote_code,
    saved_script,
    encoded_payload,
    credentials,
    dropper,
    sabotage,
    remote_program,
    hidden_window,
    user_folder_write,
    telemetry,
)


def correlate(contexts: Iterable[Context]) -> list[Finding]:
    """Every threat any rule sees in any context, one per (type, file, line)."""
    seen: set[tuple[str, str, int]] = set()
    threats: list[Finding] = []
    for ctx in contexts:
        for rule in RULES:
            for found in rule(ctx):
                key = (found.type, found.file, found.line)
                if key not in seen:
                    seen.add(key)
                    threats.append(found)
    return threats
