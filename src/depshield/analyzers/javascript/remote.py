"""Remote control: commands or code that arrive over the network, run by a shell or eval."""

from __future__ import annotations

from typing import TYPE_CHECKING

from depshield.analyzers.javascript.family import RULES

if TYPE_CHECKING:
    from tree_sitter import Node

    from depshield.analyzers.javascript.context import JsContext

MAX_HOPS = 4
# Callback registration on what a request or socket returns: `.then(res => ...)`,
# `socket.on('exec', cmd => ...)`, `res.on('data', d => ...)`.
_HANDLERS = frozenset({"then", "on", "once", "addListener", "addEventListener"})
# An HTTP handler's request: `(req, res) => eval(req.query.code)` is a web shell.
_REQUEST_INPUT = frozenset({"query", "body", "params", "headers", "cookies"})
_REQUEST_NAMES = frozenset({"req", "request", "ctx"})


@RULES.rule(
    "javascript.remote-commands", reads="file", emits={"reverseShell", "remoteCodeDownload"}
)
def remote_commands(ctx: JsContext) -> None:
    """A process started with a command that came from a response or a socket message (a
    command-and-control loop: `socket.on('exec', c => exec(c))`, `get(u).then(r =>
    spawn(r.data.command))`), and eval of an HTTP request's input."""
    for call in ctx.sites.spawns:
        args = ctx.args(call)
        origin = _network_origin(ctx, args[0], MAX_HOPS) if args else None
        if origin == "socket":
            ctx.emit("reverseShell", call, {"shell": "command", "how": "socket-command"})
        elif origin == "response":
            ctx.emit("remoteCodeDownload", call, {"how": "download-then-spawn"})
    for run in ctx.sites.execs:
        args = ctx.args(run) if run.type != "identifier" else []
        if args and _request_input(ctx, args[0]):
            ctx.emit("remoteCodeDownload", run, {"how": "eval-of-request"})


def _root(node: Node) -> Node:
    """`data` of `data.command.args`, `r` of `r['x']`."""
    cur = node
    for _ in range(16):
        if cur.type not in ("member_expression", "subscript_expression"):
            break
        obj = cur.child_by_field_name("object")
        if obj is None:
            break
        cur = obj
    return cur


def _network_origin(ctx: JsContext, node: Node, hops: int) -> str | None:
    """ "socket" / "response" when `node`'s value comes from a network callback, else None."""
    root = _root(node)
    if root.type != "identifier" or hops <= 0:
        return None
    binding = ctx.bindings.lookup(ctx.text(root), root.start_byte)
    if binding is None or binding.module is not None:
        return None
    if binding.value is not None:  # `const {data} = response`, `let c = msg.cmd`
        value = binding.value
        return _network_origin(ctx, value, hops - 1) if value.type != "call_expression" else None
    fn = _function_of(ctx, binding.scope)
    call = _registered_on(fn) if fn is not None else None
    return _call_origin(ctx, call, hops - 1) if call is not None else None


def _call_origin(ctx: JsContext, call: Node, hops: int) -> str | None:
    """What a call that takes the callback is: a request, a socket, or a handler on one."""
    if _contains_site(ctx.sites.downloads, call, direct=True):
        return "response"
    callee = call.child_by_field_name("function")
    if callee is None or callee.type != "member_expression":
        return None
    prop = callee.child_by_field_name("property")
    obj = callee.child_by_field_name("object")
    if prop is None or obj is None or ctx.text(prop) not in _HANDLERS:
        return None
    if _contains_site(ctx.sites.downloads, obj):
        return "response"
    if _contains_site(ctx.sites.sinks, obj):
        return "socket"
    root = _root(obj)
    if root.type == "identifier":
        binding = ctx.bindings.lookup(ctx.text(root), root.start_byte)
        value = binding.value if binding is not None else None
        if value is not None and _contains_site(ctx.sites.sinks, value):
            return "response" if _contains_site(ctx.sites.downloads, value) else "socket"
    return _network_origin(ctx, obj, hops)


def _contains_site(sites: list[Node], node: Node, direct: bool = False) -> bool:
    if direct:
        return any(s.start_byte == node.start_byte and s.end_byte == node.end_byte for s in sites)
    return any(node.start_byte <= s.start_byte and s.end_byte <= node.end_byte for s in sites)


def _function_of(ctx: JsContext, scope: int) -> Node | None:
    if scope < 0 or scope >= len(ctx.scopes.starts):
        return None
    return ctx.function_at(ctx.scopes.starts[scope], ctx.scopes.ends[scope])


def _registered_on(fn: Node) -> Node | None:
    """The call `fn` is passed to as an argument, or None."""
    parent = fn.parent
    if parent is None or parent.type != "arguments":
        return None
    call = parent.parent
    return call if call is not None and call.type in ("call_expression", "new_expression") else None


def _request_input(ctx: JsContext, node: Node) -> bool:
    """`req.query.code`, `request.body.cmd`: a parameter's query/body/params/headers member."""
    cur = node
    names: list[str] = []
    for _ in range(16):
        if cur.type != "member_expression":
            break
        prop = cur.child_by_field_name("property")
        obj = cur.child_by_field_name("object")
        if prop is None or obj is None:
            return False
        names.append(ctx.text(prop))
        cur = obj
    if cur.type != "identifier" or not names or names[-1] not in _REQUEST_INPUT:
        return False
    if ctx.text(cur) not in _REQUEST_NAMES:
        return False
    binding = ctx.bindings.lookup(ctx.text(cur), cur.start_byte)
    return binding is not None and binding.value is None and binding.module is None
