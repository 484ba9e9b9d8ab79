"""Calls and constructions, resolved: capabilities, sources, sinks, decodes, spawns, writes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from depshield.analyzers.base import (
    SIGNAL_DECODE,
    SIGNAL_DOWNLOAD,
    SIGNAL_SINK,
    SIGNAL_SOURCE,
    SIGNAL_WRITE,
)
from depshield.analyzers.javascript import text as js_text
from depshield.analyzers.javascript.catalog import (
    DNS_LOOKUPS,
    FS_DESTROYS,
    FS_LISTS,
    FS_MODULES,
    FS_READS,
    FS_WRITES,
    HTTP_CLIENTS,
    NETWORK_GLOBALS,
    OS_SOURCES,
    SOCKET_CALLS,
    WEBHOOK_CLIENTS,
    capability_of,
    path_source,
)
from depshield.analyzers.javascript.env import env_all_call, env_in_data
from depshield.analyzers.javascript.exec import decode_how, on_exec
from depshield.analyzers.javascript.family import CALL_TYPES, RULES
from depshield.analyzers.javascript.modules import on_load_call
from depshield.analyzers.javascript.report import reports_home
from depshield.analyzers.javascript.resolve import GLOBAL, Ref
from depshield.analyzers.javascript.scope import PROGRAM
from depshield.analyzers.javascript.spawn import on_spawn
from depshield.analyzers.javascript.userfolders import writes_user_folder
from depshield.analyzers.strings import scan_literal

if TYPE_CHECKING:
    from tree_sitter import Node

    from depshield.analyzers.javascript.context import JsContext

MAX_PATH_NODES = 120


def call_name(ref: Ref) -> str:
    """`child_process.exec`, `fetch`, `JSON.stringify`: how a finding names what was called."""
    path = [p for p in ref.path if p != "()"]
    return ".".join(path) if ref.base in (GLOBAL, "buffer") else ".".join([ref.base, *path])


@RULES.rule("javascript.call", reads="call", emits=CALL_TYPES)
def on_call(ctx: JsContext, call: Node) -> None:
    """A call: a module load (`require`, `import()`), else what the resolved callee implies."""
    callee = call.child_by_field_name("function")
    if callee is None:
        return
    if ctx.resolver.may_load(callee):
        loader = ctx.resolver.is_loader(callee)
        if loader is not None:
            on_load_call(ctx, call, loader)
            return
    ref = ctx.resolver.resolve(callee)
    if ref is None:
        _local_call(ctx, call, callee)
    else:
        on_ref(ctx, call, ref, new=False)


@RULES.rule("javascript.new", reads="new", emits=CALL_TYPES)
def on_new(ctx: JsContext, node: Node) -> None:
    """A construction (`new WebSocket(u)`, `new Function(s)`), as a call of its constructor."""
    ctor = node.child_by_field_name("constructor")
    ref = ctx.resolver.resolve(ctor) if ctor is not None else None
    if ref is not None:
        on_ref(ctx, node, ref, new=True)


def on_ref(ctx: JsContext, node: Node, ref: Ref, new: bool) -> None:
    name = call_name(ref)
    _capability(ctx, node, ref)
    on_spawn(ctx, node, ref, name)
    _network(ctx, node, ref, name, new)
    _files(ctx, node, ref, name)
    key = (ref.base, ref.path[0]) if len(ref.path) == 1 else None
    if key in OS_SOURCES:
        ctx.emit(SIGNAL_SOURCE, node, {"kind": OS_SOURCES[key], "detail": name})
    _decode(ctx, node, ref, name, new)
    on_exec(ctx, node, ref, new)
    env_all_call(ctx, node, name)


def _capability(ctx: JsContext, node: Node, ref: Ref) -> None:
    """A module's own functions (`cp.exec`, `fetch`), not methods of what they return."""
    if "()" in ref.path:
        return
    if ref.base == GLOBAL:
        head = ref.path[0] if ref.path else ""
        if head in NETWORK_GLOBALS or ref.path == ("navigator", "sendBeacon"):
            ctx.emit("networkAccess", node, {"module": ref.path[-1]}, key=head)
        return
    capability = capability_of(ref.base)
    if capability is not None:
        ctx.emit(capability, node, {"module": ref.base}, key=ref.base)


def sink_kind(ref: Ref, new: bool) -> tuple[str, bool] | None:
    """("network" | "dns", is_download) when calling `ref` sends data out, else None."""
    last = ref.last if ref.last != "()" else ""
    http = HTTP_CLIENTS.get(ref.base)
    sockets = SOCKET_CALLS.get(ref.base)
    if http is not None and ((not ref.path and None in http) or last in http):
        return "network", True
    if ref.base == GLOBAL:
        if ref.path in (("fetch",), ("XMLHttpRequest", "()", "send")):
            return "network", True
        if ref.path == ("navigator", "sendBeacon") or (
            new and ref.path in (("WebSocket",), ("EventSource",))
        ):
            return "network", False
        return None
    if sockets is not None and ((not ref.path and None in sockets) or last in sockets):
        return "network", False
    if ref.base in ("dns", "dns/promises") and last in DNS_LOOKUPS:
        return "dns", False
    if new and ref.path and ref.path[-1] in WEBHOOK_CLIENTS.get(ref.base, ()):
        return "webhook", False
    return None


def _network(ctx: JsContext, node: Node, ref: Ref, name: str, new: bool) -> None:
    sink = sink_kind(ref, new)
    if sink is None:
        if capability_of(ref.base) == "networkAccess" and ref.last in ("write", "end", "send"):
            env_in_data(ctx, node, name)  # req.write(JSON.stringify(process.env))
        return
    kind, download = sink
    if kind == "dns":
        args = ctx.args(node)
        folded = ctx.folder.fold(args[0]) if args else None
        if folded is not None and folded.how == "literal":
            return  # looking up a fixed name sends nothing
    if ref.base in ("net", "tls"):
        ctx.sites.remember(ctx.sites.sockets, node)
    args = ctx.args(node)
    if _loopback(ctx, args):
        return  # a daemon or driver on this machine (`connect(port, "127.0.0.1")`) is no egress
    fixed = any(fixed_destination(ctx, a, 2) for a in args[:2])
    props: dict[str, object] = {"kind": kind, "detail": name, "fixedHost": fixed}
    if download and args and all(_inert(ctx, a) for a in args):
        props["bare"] = True  # `fetch("https://x/sample.ogg")`: nothing computed goes out
    elif download and reports_home(ctx, args):
        props["reportsHome"] = (
            True  # a literal host, the response unread: the request is the message
        )
    ctx.emit(SIGNAL_SINK, node, props)
    ctx.sites.remember(ctx.sites.sinks, node)
    if download and args and own_asset(ctx, node, args[0]):
        # A file shipped beside the module (wasm-bindgen's `new URL("x_bg.wasm",
        # import.meta.url)`): the package's own code, however it is loaded, is no download.
        ctx.emit(SIGNAL_DOWNLOAD, node, {"detail": name, "asset": "own"})
    elif download:
        ctx.emit(SIGNAL_DOWNLOAD, node, {"detail": name, "fixedHost": fixed})
        ctx.sites.remember(ctx.sites.downloads, node)
    env_in_data(ctx, node, name)


_CALLBACKS = frozenset({"function_expression", "arrow_function", "function"})


def _inert(ctx: JsContext, arg: Node) -> bool:
    """A request argument that carries no data: a literal (a URL, fixed options) or the
    callback that receives the response."""
    if arg.type in _CALLBACKS:
        return True
    if arg.type not in ("string", "template_string"):
        return False
    folded = ctx.folder.fold(arg)
    return folded is not None and folded.how == "literal"


_LOOPBACK = re.compile(r"^(?:[a-z]+://)?(?:localhost|127\.0\.0\.1|\[?::1\]?)(?:[:/]|$)")


def _loopback(ctx: JsContext, args: list[Node]) -> bool:
    """A literal host argument on this machine: `("127.0.0.1")`, `"http://localhost:9222/x"`."""
    for arg in args[:2]:
        folded = ctx.folder.fold(arg) if arg.type in ("string", "template_string") else None
        if folded is not None and _LOOPBACK.match(folded.value):
            return True
    return False


_SCHEME_HOST = re.compile(r"^(?:https?|wss?)://[^\s/$`{]")
_HOST_KEYS = frozenset({"host", "hostname", "url", "baseURL"})


def fixed_destination(ctx: JsContext, node: Node, hops: int) -> bool:
    """The code itself names where a request goes: a URL written from its scheme and host on
    (`"https://x/p?d=" + data`, `` `wss://x/${id}` ``), a `{hostname: "x"}` option, a host
    argument (`connect(443, "x")`). A client that sends to the URL its caller or its config
    gives (`fetch(url)`, `` fetch(`${base}/models`) ``) names none."""
    kind = node.type
    if kind == "identifier" and hops > 0:
        binding = ctx.bindings.lookup(ctx.text(node), node.start_byte)
        value = binding.value if binding is not None else None
        return value is not None and fixed_destination(ctx, value, hops - 1)
    if kind == "string":
        text = ctx.text(node)[1:-1]
        return bool(_SCHEME_HOST.match(text)) or (
            "." in text and " " not in text and text[:1] != "/"
        )
    if kind == "template_string":
        first = node.named_children[0] if node.named_children else None
        return (
            first is not None
            and first.type == "string_fragment"
            and bool(_SCHEME_HOST.match(ctx.text(first)))
        )
    if kind == "binary_expression":
        left = node.child_by_field_name("left")
        return left is not None and fixed_destination(ctx, left, hops)
    if kind == "new_expression":
        inner = ctx.args(node)
        return bool(inner) and fixed_destination(ctx, inner[0], hops)
    if kind == "object":
        return any(_fixed_option(ctx, pair, hops) for pair in node.named_children)
    return False


def _fixed_option(ctx: JsContext, pair: Node, hops: int) -> bool:
    if pair.type != "pair":
        return False
    key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
    if key is None or value is None or ctx.text(key).strip("'\"") not in _HOST_KEYS:
        return False
    return fixed_destination(ctx, value, hops)


MAX_ASSET_SCOPE = 20_000  # bytes of the function searched for the asset URL
_OWN_URL = r"new\s+URL\(\s*(['\"`])(?![a-z][\w+.-]*:|//)[^'\"`$]+\1\s*,\s*import\.meta\.url\s*\)"


def own_asset(ctx: JsContext, call: Node, arg: Node) -> bool:
    """The request names a file of the package itself: `new URL("./x.wasm", import.meta.url)`,
    directly or through the variable it was assigned to in the enclosing function."""
    if arg.type == "new_expression":
        return re.fullmatch(_OWN_URL, ctx.text(arg)) is not None
    if arg.type != "identifier":
        return False
    scope = ctx.scopes.innermost(call.start_byte)
    if scope == PROGRAM or ctx.scopes.ends[scope] - ctx.scopes.starts[scope] > MAX_ASSET_SCOPE:
        return False
    body = ctx.source[ctx.scopes.starts[scope] : ctx.scopes.ends[scope]].decode("utf-8", "replace")
    name = re.escape(ctx.text(arg))
    return re.search(rf"(?<![\w$.]){name}\s*=\s*{_OWN_URL}", body) is not None


def _files(ctx: JsContext, node: Node, ref: Ref, name: str) -> None:
    if ref.base not in FS_MODULES:
        return
    op, args = ref.last, ctx.args(node)
    scope = ctx.scopes.innermost(node.start_byte)
    if op in FS_LISTS:
        ctx.sites.fs_lists.add(scope)
    if op in FS_DESTROYS:
        ctx.sites.fs_destroys.add(scope)
    if op in FS_READS and args:
        found = path_source(path_strings(ctx, args[0]))
        if found is not None:
            kind, detail = found
            ctx.emit(SIGNAL_SOURCE, node, {"kind": kind, "detail": detail})
    if op in FS_WRITES:
        target = ctx.folder.fold(args[0]) if args else None
        props = {"detail": target.value if target else name}
        pieces = path_strings(ctx, args[0]) if args else []
        if any("authorized_keys" in p for p in pieces):
            # A key added to ~/.ssh/authorized_keys opens the machine to its owner's SSH.
            props["target"] = "ssh-authorized-keys"
        elif args and writes_user_folder(ctx, args[0]):
            props["target"] = "user-folder"
        ctx.emit(SIGNAL_WRITE, node, props)
        ctx.sites.remember(ctx.sites.writes, node)


def path_strings(ctx: JsContext, node: Node, hops: int = 2) -> list[str]:
    """The string pieces a path expression is built from, following constants it names."""
    out: list[str] = []
    stack: list[tuple[Node, int]] = [(node, hops)]
    budget = MAX_PATH_NODES
    while stack and budget > 0:
        budget -= 1
        cur, left = stack.pop()
        if cur.type in ("string_fragment",):
            out.append(ctx.text(cur))
        elif cur.type == "string":
            value = js_text.literal_value(cur, ctx.source)
            out.append(value or "")
        elif cur.type == "identifier" and left > 0:
            binding = ctx.bindings.lookup(ctx.text(cur), cur.start_byte)
            if binding is not None and binding.value is not None:
                stack.append((binding.value, left - 1))
        else:
            stack.extend((c, left) for c in reversed(cur.named_children))
    return out


def _decode(ctx: JsContext, node: Node, ref: Ref, name: str, new: bool) -> None:
    how = decode_how(ctx, node, ref, new)
    if how is None:
        return
    ctx.emit(SIGNAL_DECODE, node, {"how": how, "detail": name})
    folded = ctx.folder.fold(node)
    text = folded.value if folded is not None else None
    if text is None:
        data = ctx.folder.fold_bytes(node, 0)
        text = data[0].decode("utf-8", "replace") if data is not None else None
    if text:  # a constant hidden in base64/hex is a literal like any other
        row = node.start_point[0] + 1
        ctx.out.extend(scan_literal(text, ctx.path, row, ctx.top(node)))


def _local_call(ctx: JsContext, call: Node, callee: Node) -> None:
    """Calls of the file's own functions: remembered for the destructive-walk rule."""
    if callee.type != "identifier":
        return
    binding = ctx.bindings.lookup(ctx.text(callee), callee.start_byte)
    fn = binding.value if binding is not None else None
    if fn is None or fn.type not in ("function_declaration", "function_expression"):
        return
    scope = ctx.scopes.index.get((fn.start_byte, fn.end_byte))
    if scope is None:
        return
    if fn.start_byte <= call.start_byte < fn.end_byte:
        ctx.sites.self_calls.add(scope)
    pos = call.start_byte
    if any(d.start_byte <= pos < d.end_byte for d in ctx.sites.downloads):
        ctx.sites.remember(ctx.sites.calls_to, (call, scope))  # called from a response handler
