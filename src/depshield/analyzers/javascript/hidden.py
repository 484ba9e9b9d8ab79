"""Hidden programs: code that runs text no reader (and no rule) can see, and hides doing so.

Obfuscators that keep a program out of sight do it in two steps: the program is stored as
data (a long string of packed code, a string array, an escaped blob) and a decoder of the
file's own rebuilds it at run time and hands it to `eval` / `Function` / `vm`. The first step
alone is how code protection looks; the second, in a file that hides its names and strings,
means what runs is nowhere in the file as code: the decoded payload is the program. The same
holds for an evaluator whose own name is hidden (`require('\\x76\\x6d')['\\x72\\x75...']`,
vm.runInThisContext spelled in escapes) fed a computed value: nobody hides that they call
`eval` except to hide what it runs. Either is an encoded payload run, whoever calls it.

Honest look-alikes stay out: code the file writes itself (template compilers, javascript/
codegen), a short literal (`Function("return this")`, the obfuscator's own global getter),
`Function` handed over as a value (`o.call(Function, ...)`), a bundler's eval devtool module
(ends with its sourceURL, not obfuscated), and an exec in a file that hides neither.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from depshield.analyzers.javascript.codegen import generated
from depshield.analyzers.javascript.text import hides_ascii

if TYPE_CHECKING:
    from tree_sitter import Node

    from depshield.analyzers.javascript.context import JsContext
    from depshield.model import Finding

CALLS = frozenset({"call_expression", "new_expression"})
_VISIBLE = frozenset({"template_string", "number", "true", "false", "null", "undefined"})


def hidden_programs(ctx: JsContext, tell: Finding | None) -> None:
    """Report an encoded payload run at each exec of code the file hides (`tell`: the
    obfuscatedFile finding showing that it does, if any) or made through a hidden name."""
    from depshield.analyzers.javascript.exec import packed_code

    for node, callee, how, body in _exec_calls(ctx):
        hidden_name = hides_ascii(ctx.source[callee.start_byte : callee.end_byte])
        if body.type == "string":
            unseen = tell is not None and packed_code(ctx, body)
        else:
            unseen = (tell is not None or hidden_name) and _computed(ctx, node, body, how)
        if not unseen:
            continue
        line = node.start_point[0] + 1
        steps = [f"{ctx.path}:{line} {ctx.evidence(node)}"]
        if tell is not None:
            steps.insert(0, f"{tell.file}:{tell.line} {tell.evidence}")
        props = {
            "exec": how,
            "decode": "obfuscated" if tell is not None else "hidden-evaluator",
            "chain": [s[:160] for s in steps],
            "apart": False,
        }
        ctx.emit("encodedPayloadExecution", node, props, key=how)


def _exec_calls(ctx: JsContext) -> Iterator[tuple[Node, Node, str, Node]]:
    """(call, callee, evalType, the code argument) of each exec call the calls pass saw."""
    from depshield.analyzers.javascript.exec import exec_type

    for node in ctx.sites.execs:
        if node.type not in CALLS:
            continue  # `Function` passed as a value: the obfuscator's proxy calls
        new = node.type == "new_expression"
        callee = node.child_by_field_name("constructor" if new else "function")
        ref = ctx.resolver.resolve(callee) if callee is not None else None
        how = exec_type(ctx, node, ref, new) if ref is not None else None
        args = ctx.args(node)
        if callee is None or how is None or not args:
            continue
        yield node, callee, how, args[-1] if how in ("Function", "module.constructor") else args[0]


def _computed(ctx: JsContext, node: Node, body: Node, how: str) -> bool:
    """The code is a value computed at run time: it folds to no literal and is not the
    file's own code text."""
    if body.type in _VISIBLE or generated(ctx, ctx.args(node), how):
        return False
    return ctx.folder.fold(body) is None
