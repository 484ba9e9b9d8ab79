"""A request that is itself the message: sent to a host the file names, its response unread.

`http.get(url + query, res => process.exit(0))`, with `url` a literal the file's own calls
pass (`notify("http://collector.x/app/?", ...)`): nothing comes back that the code uses, so
what it computed into the request (a host survey, the package it was installed as) is the
point. A downloader reads what it fetched (`res.pipe(file)`, `res.on('data', ...)`); an
update check parses the body. Only the callback form is judged: with a promise the response
may be read anywhere.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from depshield.analyzers.javascript.callers import caller_arguments

if TYPE_CHECKING:
    from tree_sitter import Node

    from depshield.analyzers.javascript.context import JsContext

MAX_HOPS = 3
_SCHEME_HOST = re.compile(r"^https?://[^\s/$`{]")
_CALLBACKS = frozenset({"function_expression", "arrow_function", "function"})
# What a response handler may look at without reading the body: the status and headers, or
# draining it (`res.resume()`).
_NOT_READING = frozenset({"statusCode", "statusMessage", "headers", "resume", "destroy"})


def reports_home(ctx: JsContext, args: list[Node]) -> bool:
    """The request goes to a literal host and its response body is never read."""
    if not args or not _literal_url(ctx, args[0], MAX_HOPS):
        return False
    handler = next((a for a in args[1:] if a.type in _CALLBACKS), None)
    return handler is not None and _unread(ctx, handler)


def _literal_url(ctx: JsContext, node: Node, hops: int) -> bool:
    """A URL written from its scheme and host: a literal, a template or `+` chain starting
    with one, a constant holding one, or a parameter every call of the file fills with one."""
    kind = node.type
    if kind == "string":
        return bool(_SCHEME_HOST.match(ctx.text(node)[1:-1]))
    if kind == "template_string":
        first = node.named_children[0] if node.named_children else None
        return (
            first is not None
            and first.type == "string_fragment"
            and bool(_SCHEME_HOST.match(ctx.text(first)))
        )
    if kind == "binary_expression":
        left = node.child_by_field_name("left")
        return left is not None and _literal_url(ctx, left, hops)
    if kind != "identifier" or hops <= 0:
        return False
    binding = ctx.bindings.lookup(ctx.text(node), node.start_byte)
    if binding is None or binding.module is not None:
        return False
    if binding.value is not None:
        return _literal_url(ctx, binding.value, hops - 1)
    passed = caller_arguments(ctx, binding)
    return bool(passed) and all(_literal_url(ctx, a, hops - 1) for a in passed)


def _unread(ctx: JsContext, handler: Node) -> bool:
    params = handler.child_by_field_name("parameters") or handler.child_by_field_name("parameter")
    if params is None:
        return True
    items = params.named_children if params.type == "formal_parameters" else [params]
    if not items:
        return True
    if items[0].type != "identifier":
        return False  # `({ statusCode }) => ...` or a pattern: not worth guessing
    name = ctx.text(items[0])
    body = handler.child_by_field_name("body")
    text = ctx.text(body) if body is not None else ""
    uses = re.finditer(rf"(?<![\w$.]){re.escape(name)}(?![\w$])(\s*\.\s*([\w$]+))?", text)
    return all(m.group(2) in _NOT_READING for m in uses)
