"""Which functions run as soon as the file loads: IIFEs, load-time callbacks, called helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from depshield.analyzers.javascript.catalog import NETWORK_GLOBALS, capability_of
from depshield.analyzers.javascript.resolve import GLOBAL

if TYPE_CHECKING:
    from tree_sitter import Node

    from depshield.analyzers.javascript.context import JsContext

# Callbacks that run right after (or during) the call that receives them.
SOON_METHODS = frozenset(
    {
        *("then", "catch", "finally", "on", "once", "addListener", "nextTick"),
        *("forEach", "map", "filter", "reduce", "some", "every", "find", "findIndex", "flatMap"),
    }
)
SOON_FUNCTIONS = frozenset({"setTimeout", "setImmediate", "setInterval", "queueMicrotask"})
CALLBACKS = frozenset({"function_expression", "arrow_function"})
FUNCTION_VALUES = frozenset({"function_declaration", "function_expression", "arrow_function"})
ROUNDS = 2  # helpers called from module level, then helpers those call


def mark_load_time(ctx: JsContext) -> None:
    """Tell the scopes which functions are transparent for `top_level`."""
    spans: set[tuple[int, int]] = set()
    for call in (*ctx.caps.get("call", ()), *ctx.caps.get("new", ())):
        fn = _iife(ctx, call)
        if fn is not None:
            spans.add((fn.start_byte, fn.end_byte))
            continue
        callbacks = [a for a in ctx.args(call) if a.type in CALLBACKS]
        if callbacks and _soon(ctx, call):  # resolve the callee only when it gets a callback
            spans.update((a.start_byte, a.end_byte) for a in callbacks)
    ctx.scopes.set_transparent(spans)
    calls = _local_calls(ctx)
    for _ in range(ROUNDS):
        called = _called_from_module_level(ctx, calls) - spans
        if not called:
            break
        spans |= called
        ctx.scopes.set_transparent(spans)


def _iife(ctx: JsContext, call: Node) -> Node | None:
    """The function an immediately invoked function expression runs: `(function(){})()`,
    `!function(){}()`, `(() => {})()`, `(function(){}).call(this)`."""
    callee = call.child_by_field_name("function")
    if callee is not None and callee.type == "member_expression":
        prop = callee.child_by_field_name("property")
        if prop is None or ctx.text(prop) not in ("call", "apply"):
            return None
        callee = callee.child_by_field_name("object")
    while callee is not None and callee.type == "parenthesized_expression":
        callee = callee.named_child(0)
    if callee is not None and callee.type in ("function_expression", "arrow_function"):
        return callee
    return None


def _soon(ctx: JsContext, call: Node) -> bool:
    field = "constructor" if call.type == "new_expression" else "function"
    callee = call.child_by_field_name(field)
    if callee is None:
        return False
    if callee.type == "identifier" and ctx.text(callee) in (*SOON_FUNCTIONS, "Promise"):
        return True
    if callee.type == "member_expression":
        prop = callee.child_by_field_name("property")
        if prop is not None and ctx.text(prop) in SOON_METHODS:
            return True
    ref = ctx.resolver.resolve(callee)
    if ref is None:
        return False
    if ref.base == GLOBAL:
        return bool(ref.path) and (ref.path[0] in NETWORK_GLOBALS or ref.path[-1] in SOON_FUNCTIONS)
    return capability_of(ref.base) is not None


def _called_from_module_level(
    ctx: JsContext, calls: list[tuple[Node, Node]]
) -> set[tuple[int, int]]:
    """Functions of this file called by code that itself runs at load time (`main();`)."""
    out: set[tuple[int, int]] = set()
    for call, callee in calls:
        if not ctx.top(call):
            continue
        binding = ctx.bindings.lookup(ctx.text(callee), callee.start_byte)
        fn = binding.value if binding is not None and not binding.path else None
        if fn is not None and fn.type in FUNCTION_VALUES:
            out.add((fn.start_byte, fn.end_byte))
    return out


def _local_calls(ctx: JsContext) -> list[tuple[Node, Node]]:
    """(call, callee) for calls of a name some binding of this file gives a function value."""
    names = {
        name
        for (name, _), found in ctx.bindings.table.items()
        if any(b.value is not None and b.value.type in FUNCTION_VALUES for b in found)
    }
    out = []
    for call in ctx.caps.get("call", ()):
        callee = call.child_by_field_name("function")
        if callee is not None and callee.type == "identifier" and ctx.text(callee) in names:
            out.append((call, callee))
    return out
