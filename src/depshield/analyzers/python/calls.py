"""Per-call rules: capabilities from the call name, plus the rules that read the arguments."""

from __future__ import annotations

import ast
from collections.abc import Callable

from depshield.analyzers import strings
from depshield.analyzers.base import (
    SIGNAL_DECODE,
    SIGNAL_DOWNLOAD,
    SIGNAL_EXEC,
    SIGNAL_SINK,
    SIGNAL_SPAWN,
    SIGNAL_WRITE,
)
from depshield.analyzers.python import env, exfil, files, secrets, spawn
from depshield.analyzers.python.context import Ctx, arg, kwarg
from depshield.analyzers.python.decode import codec_how
from depshield.analyzers.python.family import CALL_NAME_TYPES, ENV_TYPES, RULES, SPAWN_TYPES
from depshield.analyzers.python.rules import (
    DECODERS,
    DOWNLOADS,
    SHELL_CALLS,
    classify_call,
    strip_calls,
)
from depshield.analyzers.python.scope import Site
from depshield.analyzers.string_patterns import PATTERNS
from depshield.analyzers.strings import LITERAL_TYPES

CallRule = Callable[[Ctx, Site, str], None]
# check_call's own findings: the call-name table, file methods, decodes and their literals,
# and the request rules (a load-time probe, a wallet secret or data sent to a webhook).
CALL_TYPES = CALL_NAME_TYPES | LITERAL_TYPES | {"dataExfiltration"}
DECODE_TYPES = LITERAL_TYPES | {SIGNAL_DECODE}
_MAX_SCAN = 200_000  # decoded text handed to the string scanner


@RULES.rule("python.call", reads="call", emits=CALL_TYPES)
def check_call(ctx: Ctx, site: Site) -> None:
    """What a call's name implies (rules.classify_call), then the qualname rules on its name."""
    call = site.node
    assert isinstance(call, ast.Call)
    if isinstance(call.func, ast.Attribute):
        _method(ctx, site, call.func)
    qualname = ctx.qualname(call.func, site.scope)
    if qualname is None:
        return
    name = strip_calls(qualname)
    exfil.check_bot_send(ctx, site, name)
    for hit in classify_call(qualname):
        if hit.type in (SIGNAL_SPAWN, SIGNAL_WRITE) or (
            hit.type == SIGNAL_EXEC and name in spawn.EXEC_NAMES
        ):
            continue  # emitted by the argument-aware rules below, with the command / path
        props = dict(hit.props)
        if hit.type in (SIGNAL_SINK, SIGNAL_DOWNLOAD):
            target = _request_url(ctx, site, arg(call, 0, "url"))
            url = ctx.resolver.text(target, site.scope) if target is not None else None
            template = None if url else _url_template(ctx, site, target)
            if template:  # the build rules read it (alerts/build_steps.source_archive)
                props["urlTemplate"] = template[:200]
            if url and "://" in url:  # not a method name (`request("POST", u)`) or raw bytes
                props["url"] = url[:200]
                if hit.type == SIGNAL_SINK:
                    _load_time_probe(ctx, site, url)
            if hit.type == SIGNAL_SINK and hit.props.get("kind") == "network":
                secrets.check_wallet_secret(ctx, site, target)
                exfil.check_sent(ctx, site, target)
        ctx.emit(hit.type, site, props)
    for rule in RULES.named(name):
        ctx.out.running.append(rule)
        try:
            rule.fn(ctx, site, name)
        finally:
            ctx.out.running.pop()


_REPORT_HOSTS = tuple(
    p.regex for p in PATTERNS if p.name in ("oast-host", "discord-webhook", "telegram-bot")
)
_REQUEST_OBJECTS = {"urllib.request.Request": 0, "urllib2.Request": 0, "requests.Request": 1}


def _request_url(ctx: Ctx, site: Site, target: ast.expr | None) -> ast.expr | None:
    """`urlopen(req)` with `req = Request(url, data)`: the URL the prepared request names."""
    if not isinstance(target, ast.Name):
        return target
    binding = ctx.resolver.binding(target.id, site.scope)
    values = binding[0] if binding else []
    if len(values) == 1 and isinstance(values[0], ast.Call):
        name = ctx.qualname(values[0].func, site.scope)
        if name in _REQUEST_OBJECTS:
            return arg(values[0], _REQUEST_OBJECTS[name], "url") or target
    return target


def _url_template(ctx: Ctx, site: Site, target: ast.expr | None) -> str | None:
    """`f"https://host/archive/{commit}.tar.gz"`: the URL with `{}` for the parts only known
    at run time, when its scheme and host are literal (a computed host stays unknown)."""
    if not isinstance(target, ast.JoinedStr):
        return None
    parts: list[str] = []
    for value in target.values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            parts.append(value.value)
        else:
            inner = value.value if isinstance(value, ast.FormattedValue) else value
            parts.append(ctx.resolver.text(inner, site.scope) or "{}")
    url = "".join(parts)
    scheme, sep, rest = url.partition("://")
    host = rest.split("/", 1)[0]
    if not sep or "{}" in scheme or not host or "{}" in host or "/" not in rest:
        return None
    return url


def _load_time_probe(ctx: Ctx, site: Site, url: str) -> None:
    """A request made as the module loads (or as setup.py runs) to an out-of-band testing host
    or to a chat webhook the package hard-codes: nothing but a dependency-confusion probe or
    an install counter reports there, and installing or importing is enough to announce the
    victim's machine."""
    if not ctx.top(site) or not any(p.search(url) for p in _REPORT_HOSTS):
        return
    props = {"source": ["load-time-probe"], "sink": ["webhook"], "url": url[:200]}
    ctx.emit("dataExfiltration", site, props, key=("probe", site.node))


def _method(ctx: Ctx, site: Site, func: ast.Attribute) -> None:
    """Rules on a method name whatever the receiver is (`Path(...).write_text`, `.decode`)."""
    call = site.node
    assert isinstance(call, ast.Call)
    files.method_rule(ctx, site, func)
    if func.attr == "decode" and call.args:
        enc = ctx.resolver.text(call.args[0], site.scope)
        how = codec_how(enc) if enc else None
        if how:
            ctx.emit(SIGNAL_DECODE, site, {"how": how})
            _scan_decoded(ctx, site)


@RULES.rule(
    "python.call.codec",
    reads="qualname",
    names={"codecs.decode", "codecs.encode"},
    emits=DECODE_TYPES,
)
def _codec(ctx: Ctx, site: Site, name: str) -> None:
    """`codecs.decode(s, "base64")`: a decode, and the literal it yields scanned."""
    call = site.node
    assert isinstance(call, ast.Call)
    enc = arg(call, 1, "encoding")
    text = ctx.resolver.text(enc, site.scope) if enc is not None else None
    how = codec_how(text) if text else None
    if how:
        ctx.emit(SIGNAL_DECODE, site, {"how": how})
        _scan_decoded(ctx, site)


@RULES.rule("python.call.decoded", reads="qualname", names=DECODERS, emits=LITERAL_TYPES)
def _scan_decoded(ctx: Ctx, site: Site, name: str = "") -> None:
    """Decoded literals get the same string checks as plain ones (URLs, webhooks...)."""
    got = ctx.resolver.fold(site.node, site.scope)
    if got is None or not got.decoded or got.text is None:
        return
    line = getattr(site.node, "lineno", 1)
    findings = strings.scan_literal(got.text[:_MAX_SCAN], ctx.file, line, ctx.top(site))
    ctx.out.extend(findings)


_DNS = frozenset(
    {
        "socket.gethostbyname",
        "socket.gethostbyname_ex",
        "socket.getaddrinfo",
        "dns.resolver.resolve",
        "dns.resolver.query",
        "dns.resolver.Resolver.resolve",
        "dns.resolver.Resolver.query",
    }
)
_CONNECT = frozenset(
    {"socket.socket.connect", "socket.socket.connect_ex", "socket.create_connection"}
)


@RULES.rule(
    "python.call.dns", reads="qualname", names=_DNS, emits={SIGNAL_SINK, "dataExfiltration"}
)
def _dns(ctx: Ctx, site: Site, name: str) -> None:
    """A lookup of a computed name can carry data out in the query itself."""
    call = site.node
    assert isinstance(call, ast.Call)
    host = arg(call, 0, "host", "qname")
    if isinstance(host, ast.Constant):
        _dns_canary(ctx, site, host)
        return
    if host is None:
        return
    if isinstance(host, ast.Call) and ctx.qualname(host.func, site.scope) in (
        "socket.gethostname",
        "socket.getfqdn",
    ):
        return
    ctx.emit(SIGNAL_SINK, site, {"kind": "dns", "detail": name})


def _dns_canary(ctx: Ctx, site: Site, host: ast.Constant) -> None:
    """A fixed name resolved as the module loads with the answer thrown away: the lookup itself
    is the message (a DNS canary announcing the install to whoever owns the name)."""
    statement = site.parents[-1] if site.parents else None
    name = host.value if isinstance(host.value, str) else ""
    if ctx.top(site) and isinstance(statement, ast.Expr) and "." in name.strip("."):
        props = {"source": ["load-time-probe"], "sink": ["dns"], "url": name[:200]}
        ctx.emit("dataExfiltration", site, props, key=("probe", site.node))


@RULES.rule("python.call.getenv", reads="qualname", names={"os.getenv"}, emits=ENV_TYPES)
def _env_get(ctx: Ctx, site: Site, name: str) -> None:
    """`os.getenv(name)`: an environment read (python/env.py)."""
    call = site.node
    assert isinstance(call, ast.Call)
    key = arg(call, 0, "key")
    env.report_read(ctx, site, ctx.resolver.text(key, site.scope) if key else None, call)


def _event(kind: str) -> CallRule:
    def rule(ctx: Ctx, site: Site, name: str) -> None:
        ctx.event(kind, site)

    return rule


@RULES.rule("python.call.dup2", reads="qualname", names={"os.dup2"}, emits=())
def _dup2(ctx: Ctx, site: Site, name: str) -> None:
    """`os.dup2(sock.fileno(), ...)`: a step of the reverse-shell pattern (python/flow.py)."""
    call = site.node
    assert isinstance(call, ast.Call)
    if call.args and any(
        isinstance(n, ast.Attribute) and n.attr == "fileno" for n in ast.walk(call.args[0])
    ):
        ctx.event("dup2", site)


_WORKERS = frozenset(
    {"threading.Thread", "threading.Timer", "multiprocessing.Process", "_thread.start_new_thread"}
)


@RULES.rule("python.call.worker", reads="qualname", names=_WORKERS, emits=SPAWN_TYPES)
def _worker(ctx: Ctx, site: Site, name: str) -> None:
    """`Thread(target=os.system, args=(cmd,))` runs `os.system(cmd)`: judged as that call."""
    call = site.node
    assert isinstance(call, ast.Call)
    target = kwarg(call, "target", "function") or (call.args[0] if call.args else None)
    if name == "threading.Timer":
        target = kwarg(call, "function") or (call.args[1] if len(call.args) > 1 else None)
    given = kwarg(call, "args")
    if name == "_thread.start_new_thread" and len(call.args) > 1:
        given = call.args[1]
    if target is None or not isinstance(given, ast.Tuple | ast.List):
        return
    qualname = ctx.qualname(target, site.scope)
    run = strip_calls(qualname) if qualname else None
    if run not in SHELL_CALLS:
        return
    inner = ast.Call(func=target, args=list(given.elts), keywords=[])
    ast.copy_location(inner, call)
    spawn.spawn_rule(ctx, Site(inner, site.scope, site.guarded, site.parents), run)


RULES.rule("python.call.download-event", reads="qualname", names=DOWNLOADS, emits=())(
    _event("download")
)
RULES.rule("python.call.connect-event", reads="qualname", names=_CONNECT, emits=())(
    _event("connect")
)
