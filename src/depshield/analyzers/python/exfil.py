"""Data flow to a request: host survey, credential files or the environment sent to a fixed host.

A request is traced back from its arguments through variables, container stores
(`data["host"] = platform.node()`), local functions' return values and, for a parameter, the
arguments its callers pass (`send(collect(), "x.oast.fun")`). What reaches it decides: host and
user facts sent to a report host (request capture, OAST, chat webhook, a bare IP address), or a
credential file's path, a cloud SDK's live key pair or the whole environment sent to any
hard-coded host, is exfiltration in whatever function it sits; so are such data handed to a
chat-bot client's send. An SDK that sends where its configuration points, or a CLI that reads
~/.ssh/config and prints it, has no such flow.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from depshield.analyzers.python.context import Ctx
from depshield.analyzers.python.rules import strip_calls
from depshield.analyzers.python.scope import Scope, Site
from depshield.analyzers.string_patterns import PATTERNS

_SURVEY = {
    "socket.gethostname": "hostname",
    "socket.getfqdn": "hostname",
    "platform.node": "hostname",
    "platform.uname": "hostname",
    "os.uname": "hostname",
    "getpass.getuser": "userinfo",
    "os.getlogin": "userinfo",
    "pwd.getpwuid": "userinfo",
    "uuid.getnode": "system-info",
}
_WHOAMI = re.compile(r"^\s*(?:whoami|id|hostname|uname\s+-[an])\b")
_COMMAND_OUTPUT = frozenset(
    {"subprocess.getoutput", "subprocess.check_output", "os.popen", "subprocess.run"}
)
# Cloud SDK calls that hand back the machine's live credentials (the key pair itself): sent in
# a request body, they are the secret leaving; an SDK signing with them never sends them.
_SDK_CREDENTIALS = frozenset(
    {
        "boto3.Session.get_credentials",
        "boto3.session.Session.get_credentials",
        "botocore.session.get_session.get_credentials",
        "botocore.session.Session.get_credentials",
        "boto3.Session.get_credentials.get_frozen_credentials",
        "google.auth.default",
        "azure.identity.DefaultAzureCredential.get_token",
    }
)
_ENVIRON = frozenset({"os.environ", "os.environ.copy", "os.environ.items", "dict"})
_SENSITIVE = tuple(p.regex for p in PATTERNS if p.kind in ("sensitive-file", "credential-store"))
_REPORT = tuple(
    p.regex for p in PATTERNS if p.name in ("oast-host", "discord-webhook", "telegram-bot")
)
# A bare IPv4 address, as a URL or as the host part a URL is formatted with.
# (`"1.2.3.4"` alone may be a version, so a bare one needs its port.)
_IP_URL = re.compile(
    r"^(?:https?|wss?)://(\d{1,3}(?:\.\d{1,3}){3})(?:[:/?]|$)|^(\d{1,3}(?:\.\d{1,3}){3}):\d+$"
)
_LOCAL = ("127.", "10.", "192.168.", "0.")
_FIXED = re.compile(r"^(?:https?|wss?)://[\w.-]+\.[a-z]{2,}(?:[:/?]|$)", re.IGNORECASE)
# Listing the machine's folders: files found this way and sent are a harvest, not a report.
_LISTINGS = frozenset({"os.walk", "os.listdir", "os.scandir", "glob.glob", "glob.iglob"})
_MUTATORS = frozenset({"append", "update", "extend", "read", "read_file", "add", "insert"})
# `auth=` authenticates to the host it is sent to (a signature or a login), it is no payload.
_SKIP_KWARGS = frozenset({"timeout", "verify", "allow_redirects", "stream", "proxies", "auth"})
_MAX_NODES = 1500
_MAX_HOPS = 8
_STRONG = frozenset({"sensitive-file", "credential-store", "env-all", "cloud-credentials"})


@dataclass
class _Reach:
    kinds: set[str] = field(default_factory=set)
    steps: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


def check_sent(ctx: Ctx, site: Site, url: ast.AST | None) -> None:
    """Emit dataExfiltration when what a request carries comes from a host or secret source."""
    call = site.node
    assert isinstance(call, ast.Call)
    if url is None:
        return
    host = _host_class(ctx, site, url)
    if host is None:
        return
    data = [a for a in call.args if a is not url]
    data += [k.value for k in call.keywords if k.arg not in _SKIP_KWARGS and k.value is not url]
    reach = _Reach()
    _walk(ctx, [url, *data], site.scope, reach)
    kinds = reach.kinds
    if not kinds or (host == "fixed" and not kinds & _STRONG):
        return
    props = {
        "source": sorted(kinds),
        "sink": ["webhook" if host == "report" else "network"],
        "pattern": "source-to-request",
        "flow": reach.steps[:4],
    }
    ctx.emit("dataExfiltration", site, props, key=("flow-exfil", site.node))


# Chat-bot clients: a send through them reaches the chat its token names, a report channel as
# much as a webhook URL (`bot.send_document(chat, open(path, "rb"))`).
_BOT_CLIENTS = frozenset({"telebot", "telegram", "aiogram", "pyrogram", "telethon", "discord"})
_BOT_SENDS = re.compile(r"^(?:send_\w+|reply_to|reply_\w+|edit_message_\w+|upload_file)$")


def check_bot_send(ctx: Ctx, site: Site, qualname: str) -> None:
    """Emit dataExfiltration when a chat-bot client sends host facts, a credential file or
    the files found by walking the machine."""
    call = site.node
    assert isinstance(call, ast.Call)
    root, _, method = qualname.partition(".")
    if root not in _BOT_CLIENTS or not _BOT_SENDS.match(method.rpartition(".")[2]):
        return
    data: list[ast.AST] = [
        *call.args,
        *(k.value for k in call.keywords if k.arg not in _SKIP_KWARGS),
    ]
    reach = _Reach()
    _walk(ctx, data, site.scope, reach)
    if not reach.kinds:
        return
    props = {
        "source": sorted(reach.kinds),
        "sink": ["webhook"],
        "pattern": "source-to-chat-bot",
        "flow": reach.steps[:4],
    }
    ctx.emit("dataExfiltration", site, props, key=("flow-exfil", site.node))


def _host_class(ctx: Ctx, site: Site, url: ast.AST) -> str | None:
    """`report` for capture services, chat webhooks and bare IPs; `fixed` for a literal host."""
    reach = _Reach()
    _walk(ctx, [url], site.scope, reach, texts_only=True)
    texts = reach.texts
    if any(p.search(t) for p in _REPORT for t in texts):
        return "report"
    for t in texts:
        ip = _IP_URL.match(t)
        if ip and not (ip.group(1) or ip.group(2)).startswith(_LOCAL):
            return "report"
    if any(_FIXED.match(t) for t in texts):
        return "fixed"
    return None


def _walk(
    ctx: Ctx, roots: list[ast.AST], scope: Scope, reach: _Reach, texts_only: bool = False
) -> None:
    stack: list[tuple[ast.AST, Scope, int]] = [(r, scope, 0) for r in roots]
    seen: set[int] = set()
    while stack and len(seen) < _MAX_NODES:
        node, where, hops = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            reach.texts.append(node.value)
            if not texts_only and any(p.search(node.value) for p in _SENSITIVE):
                _found(reach, "sensitive-file", node, node.value)
        elif isinstance(node, ast.Call) and not texts_only:
            _source_call(ctx, node, where, reach)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and hops < _MAX_HOPS:
            stack.extend((r, fn, hops + 1) for r, fn in _returns(where, node.func.id))
        if isinstance(node, ast.Name) and hops < _MAX_HOPS:
            stack.extend((v, w, hops + 1) for v, w in _values(ctx, node.id, where))
        stack.extend((c, where, hops) for c in ast.iter_child_nodes(node))


def _found(reach: _Reach, kind: str, node: ast.AST, text: str) -> None:
    reach.kinds.add(kind)
    reach.steps.append(f"{getattr(node, 'lineno', 0)} {text[:80]}")


def _source_call(ctx: Ctx, call: ast.Call, scope: Scope, reach: _Reach) -> None:
    qualname = ctx.qualname(call.func, scope)
    name = strip_calls(qualname) if qualname else None
    if name in _SURVEY:
        _found(reach, _SURVEY[name], call, name)
    elif name in _COMMAND_OUTPUT and call.args:
        text = ctx.resolver.text(call.args[0], scope)
        if text and _WHOAMI.match(text):
            _found(reach, "userinfo", call, text)
    elif name in _SDK_CREDENTIALS:
        _found(reach, "cloud-credentials", call, name)
    elif name in _ENVIRON and _whole_environ(ctx, call, scope, name):
        _found(reach, "env-all", call, "os.environ")
    elif name in _LISTINGS:
        _found(reach, "host-files", call, name)


def _whole_environ(ctx: Ctx, call: ast.Call, scope: Scope, name: str) -> bool:
    if name != "dict":
        return True
    return any(ctx.qualname(a, scope) == "os.environ" for a in call.args)


def _values(ctx: Ctx, name: str, scope: Scope) -> list[tuple[ast.AST, Scope]]:
    """What a variable may hold: its assignments, values stored into it, and for a parameter
    the arguments the function's callers pass."""
    binding = ctx.resolver.binding(name, scope)
    if binding is None:
        return []
    values, owner = binding
    out: list[tuple[ast.AST, Scope]] = [(v, owner) for v in values if v is not None]
    out.extend((v, owner) for v in _stored(owner, name))
    if None in values:
        out.extend(_passed(ctx, owner, name))
        out.extend((it, owner) for it in _iterated(owner, name))
    return out


def _iterated(scope: Scope, name: str) -> list[ast.AST]:
    """What a loop name ranges over: `for f in os.listdir(d)`, `for r, _, fs in os.walk(d)`."""
    found: list[ast.AST] = []
    for node in _own_nodes(scope.node):
        if isinstance(node, ast.For | ast.comprehension):
            targets = [node.target, *getattr(node.target, "elts", [])]
            if any(_named(t, name) for t in targets):
                found.append(node.iter)
    return found[:10]


def _stored(scope: Scope, name: str) -> list[ast.AST]:
    """`name[k] = v`, `name.x = v`, `name.append(v)`, `config.read(path)` in `scope`."""
    found: list[ast.AST] = []
    for node in _own_nodes(scope.node):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript | ast.Attribute) and _named(target.value, name):
                    found.append(node.value)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _MUTATORS
            and _named(node.func.value, name)
        ):
            found.extend(node.args)
    return found[:50]


def _named(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _own_nodes(root: ast.AST) -> list[ast.AST]:
    """Nodes of a function body, not of the functions and classes nested in it."""
    out: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(root))
    while stack and len(out) < 5000:
        node = stack.pop()
        out.append(node)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(node))
    return out


def _returns(scope: Scope, fname: str) -> list[tuple[ast.AST, Scope]]:
    for owner in scope.chain():
        for fn in owner.defs.get(fname, []):
            if isinstance(fn.node, ast.FunctionDef | ast.AsyncFunctionDef):
                return [
                    (r.value, fn)
                    for r in _own_nodes(fn.node)
                    if isinstance(r, ast.Return) and r.value is not None
                ]
        if fname in owner.defs:
            break
    return []


def _passed(ctx: Ctx, fn: Scope, param: str) -> list[tuple[ast.AST, Scope]]:
    """The arguments callers in this module pass for `param` of function `fn`."""
    node = fn.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return []
    params = [a.arg for a in [*node.args.posonlyargs, *node.args.args]]
    method = fn.parent is not None and fn.parent.kind == "class"
    if method and params[:1] and params[0] in ("self", "cls"):
        params = params[1:]
    out: list[tuple[ast.AST, Scope]] = []
    for site in ctx.index.calls:
        call = site.node
        if not isinstance(call, ast.Call) or not _calls(call, node.name, method):
            continue
        if param in params and params.index(param) < len(call.args):
            out.append((call.args[params.index(param)], site.scope))
        out.extend((k.value, site.scope) for k in call.keywords if k.arg == param)
    return out[:20]


def _calls(call: ast.Call, name: str, method: bool) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id == name
    return method and isinstance(func, ast.Attribute) and func.attr == name
