"""What a file's own calls pass for a parameter: `send(url)` inside `function report(url)`,
called as `report("https://x/...")`, sends to the literal its callers give."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node

    from depshield.analyzers.javascript.bindings import Binding
    from depshield.analyzers.javascript.context import JsContext

MAX_CALLS = 2000


def caller_arguments(ctx: JsContext, binding: Binding) -> list[Node]:
    """For a parameter of a named function of the file, what its calls pass in its place."""
    from depshield.analyzers.javascript.parse import FUNCTION_TYPES

    for fn in ctx.caps.get("fn", ()):
        if fn.type not in FUNCTION_TYPES or not fn.start_byte <= binding.pos < fn.end_byte:
            continue
        params = fn.child_by_field_name("parameters")
        items = params.named_children if params is not None else []
        index = next((i for i, p in enumerate(items) if p.start_byte == binding.pos), None)
        name = _name_of(ctx, fn)
        if index is None or name is None:
            continue
        out = []
        for call in ctx.caps.get("call", ())[:MAX_CALLS]:
            callee = call.child_by_field_name("function")
            if callee is not None and callee.type == "identifier" and ctx.text(callee) == name:
                args = ctx.args(call)
                if index < len(args):
                    out.append(args[index])
        return out
    return []


def _name_of(ctx: JsContext, fn: Node) -> str | None:
    """`function f(...)`, `const f = (...) => ...`: the name the file calls it by."""
    name = fn.child_by_field_name("name")
    if name is None and fn.parent is not None and fn.parent.type == "variable_declarator":
        name = fn.parent.child_by_field_name("name")
    return ctx.text(name) if name is not None and name.type == "identifier" else None
