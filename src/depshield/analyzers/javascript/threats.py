"""Direct flows within one file: downloaded code run, a socket wired to a shell, load-time hangs."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from depshield.analyzers.javascript.calls import fixed_destination
from depshield.analyzers.javascript.family import RULES
from depshield.analyzers.javascript.scope import PROGRAM

if TYPE_CHECKING:
    from tree_sitter import Node

    from depshield.analyzers.javascript.context import JsContext

MAX_CLIMB = 40
MAX_LOOP_NODES = 4000
MAX_FLOW_NODES = 300
_STOP = frozenset(
    {
        "program",
        "statement_block",
        "sequence_expression",
        "arrow_function",
        "function_expression",
        "class_body",
        "switch_body",
    }
)
_ESCAPES = frozenset(
    {
        "break_statement",
        "return_statement",
        "throw_statement",
        "await_expression",
        "yield_expression",
    }
)
_FUNCTIONS = frozenset(
    {
        "function_expression",
        "function_declaration",
        "arrow_function",
        "method_definition",
        "generator_function",
        "generator_function_declaration",
    }
)
# Into the child: `x.pipe(sh.stdin)`, `sh.stdin.write(d)`; out of it: `sh.stdout.pipe(x)`,
# `sh.stdout.on('data', ...)`. Group 1 is the other end, which must not be the terminal.
_WIRE_IN = re.compile(rb"([\w$.]+)\s*\.pipe\(\s*[\w$.]+\.stdin\b|()\.stdin\s*\.write\(")
_WIRE_OUT = re.compile(
    rb"\.std(?:out|err)\s*\.pipe\(\s*([\w$.]+)|()\.std(?:out|err)\s*\.on\(\s*['\"]data"
)


def _extent(node: Node) -> tuple[int, int]:
    """The expression a call is part of, up to its statement: `fetch(u).then(..).then(eval)`."""
    cur = node
    for _ in range(MAX_CLIMB):
        parent = cur.parent
        if (
            parent is None
            or parent.type in _STOP
            or parent.type.endswith(("_statement", "_declaration"))
        ):
            break
        cur = parent
    return cur.start_byte, cur.end_byte


@RULES.rule("javascript.remote-code", reads="file", emits={"remoteCodeDownload"})
def remote_code(ctx: JsContext) -> None:
    """A download whose expression (callbacks, promise chain) or result reaches eval/Function."""
    execs = ctx.sites.execs
    if not execs or not ctx.sites.downloads:
        return
    reached = [_values_reached(ctx, e) for e in execs]
    for download in ctx.sites.downloads:
        start, end = _extent(download)
        pos = download.start_byte
        if any(start <= e.start_byte < end for e in execs) or any(
            s <= pos < t for spans in reached for s, t in spans
        ):
            # Whether the code names the host (`fetch("https://x/p.js")`) or loads the URL
            # its caller gives (a module loader's `load(url)`): grading weighs it.
            fixed = any(fixed_destination(ctx, a, 2) for a in ctx.args(download)[:2])
            props = {"how": "download-then-eval", "fixedHost": fixed}
            ctx.emit("remoteCodeDownload", download, props)


def _values_reached(ctx: JsContext, run: Node) -> list[tuple[int, int]]:
    """Byte ranges of the values the arguments of `run` come from (three variables deep)."""
    spans: list[tuple[int, int]] = []
    stack: list[tuple[Node, int]] = (
        [(a, 3) for a in ctx.args(run)] if run.type != "identifier" else []
    )
    budget = MAX_FLOW_NODES
    while stack and budget > 0:
        budget -= 1
        cur, left = stack.pop()
        if cur.type == "identifier":
            binding = ctx.bindings.lookup(ctx.text(cur), cur.start_byte)
            value = binding.value if binding is not None else None
            if value is not None and left > 0 and value.type not in _FUNCTIONS:
                spans.append((value.start_byte, value.end_byte))
                stack.append((value, left - 1))
        elif cur.type not in _FUNCTIONS:
            stack.extend((c, left) for c in cur.named_children)
    return spans


@RULES.rule("javascript.reverse-shell", reads="file", emits={"reverseShell"})
def reverse_shell(ctx: JsContext) -> None:
    """A socket, a spawned shell, and streams wired both ways between something and a child's
    stdio in one file (`client.pipe(sh.stdin); sh.stdout.pipe(client)`). Passing the
    terminal through (`process.stdin.pipe(child.stdin)`) does not count."""
    if not ctx.sites.sockets or not ctx.sites.shells:
        return
    if not (_wired(_WIRE_IN, ctx.source) and _wired(_WIRE_OUT, ctx.source)):
        return
    node, program = ctx.sites.shells[0]
    ctx.emit("reverseShell", node, {"shell": program, "how": "socket-to-shell"})


def _wired(pattern: re.Pattern[bytes], source: bytes) -> bool:
    return any(not (m.group(1) or b"").startswith(b"process") for m in pattern.finditer(source))


@RULES.rule("javascript.troll-loops", reads="file", emits={"troll"})
def troll_loops(ctx: JsContext) -> None:
    """An endless loop at module level hangs every program that loads the file."""
    for loop in ctx.caps.get("loop", ()):
        if ctx.top(loop) and _endless(ctx, loop) and not _escapes(loop):
            ctx.emit("troll", loop, {"reason": "endless loop when the file loads"})


def _endless(ctx: JsContext, loop: Node) -> bool:
    cond = loop.child_by_field_name("condition")
    if loop.type == "for_statement" and (cond is None or cond.type == "empty_statement"):
        return True
    if cond is None:
        return False
    text = re.sub(r"[\s();]", "", ctx.text(cond)) if cond.end_byte - cond.start_byte < 80 else ""
    if text in ("true", "!0", "!![]", "!!1", "1") or re.fullmatch(r"[1-9]\d*", text):
        return True
    return bool(re.fullmatch(r"[\w$]+<=?Infinity", text))


def _escapes(loop: Node) -> bool:
    """break/return/throw/await/yield or process.exit in the body (or too big to tell)."""
    body = loop.child_by_field_name("body")
    stack = [body] if body is not None else []
    budget = MAX_LOOP_NODES
    while stack:
        budget -= 1
        if budget <= 0:
            return True
        cur = stack.pop()
        if cur.type in _ESCAPES:
            return True
        if cur.type == "member_expression" and cur.text is not None and cur.text.endswith(b".exit"):
            return True
        if cur.type not in _FUNCTIONS:
            stack.extend(cur.named_children)
    return False


@RULES.rule("javascript.destructive-walk", reads="file", emits={"troll"})
def destructive_walk(ctx: JsContext) -> None:
    """node-ipc: a recursive walk that overwrites or deletes files, started from the response
    of a network request (a geo-IP check)."""
    sites = ctx.sites
    walkers = (sites.self_calls & sites.fs_lists & sites.fs_destroys) - {PROGRAM}
    if not walkers or not sites.downloads:
        return
    for call, scope in sites.calls_to:
        if scope in walkers and any(
            d.start_byte <= call.start_byte < d.end_byte for d in sites.downloads
        ):
            ctx.emit("troll", call, {"reason": "network-gated destructive file walk"})
            return
