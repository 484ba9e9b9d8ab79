"""Code the file writes itself: template compilers and code generators that feed eval/Function.

Template engines (ejs, lodash.template), schema compilers (ajv, zod), polyfills (core-js's
`Function("C,a", "return new C(" + args + ")")`), d3's row parser and the like build a function
body from code text they carry, with only names, lists of names or their own sub-results
substituted. What runs is visible in the file: it is no downloaded or decoded payload, so such
an exec does not pair up with a download or a decode elsewhere in the file. A flow straight
from a download into it is still remote code (javascript/threats.remote_code).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node

    from depshield.analyzers.javascript.context import JsContext

MAX_HOPS = 2
MAX_NODES = 200
# Code structure in the literal parts of a body: a statement, a function, a block, an operator
# between names. `"(" + x + ")"` (evaluating an expression someone passed) does not qualify.
_CODE = re.compile(
    r"\breturn\b|\bfunction\b|=>|\b(?:var|let|const)\s+[\w$]|\bif\s*\(|\bthis\b|\barguments\b"
    r"|;\s*\S|\{\s*\S|\w\s*\[\s*\S"
)
_NAMES_ONLY = re.compile(r"^\s*[\w$]+(?:\s*,\s*[\w$]+)*\s*$")


def generated(ctx: JsContext, args: list[Node], how: str) -> bool:
    """True when the code an exec runs is assembled by the file from its own code text."""
    if not args:
        return False
    if how in ("Function", "module.constructor"):
        body, params = args[-1], args[:-1]
        if params and not all(_parameter(ctx, p) for p in params):
            return False
        if params and _joined_lines(ctx, body):
            return True  # `new Function(...names, lines.join("\n"))`: a compiler's output
    else:
        body = args[0]
    return _assembled(ctx, body, MAX_HOPS)


def trivial(ctx: JsContext, args: list[Node], limit: int) -> bool:
    """Every argument is short literal code (`Function("")`, `` Function(`return this`) ``)."""
    return all(_literal(a) and a.end_byte - a.start_byte <= limit for a in args)


def _literal(node: Node) -> bool:
    if node.type == "string":
        return True
    return node.type == "template_string" and not any(
        c.type == "template_substitution" for c in node.named_children
    )


def _parameter(ctx: JsContext, node: Node) -> bool:
    """A parameter list: `"a, b"`, `` `${names.self}` ``, `...Object.keys(scope)`, a name."""
    if node.type == "spread_element" or node.type == "identifier":
        return True
    if node.type == "string":
        return bool(_NAMES_ONLY.match(ctx.text(node)[1:-1]))
    if node.type == "template_string":
        parts = [ctx.text(c) for c in node.named_children if c.type == "string_fragment"]
        return all(_NAMES_ONLY.match(p) or not p.strip(", ") for p in parts)
    if node.type == "binary_expression":  # ejs: `opts.localsName + ", escapeFn, include"`
        pieces = _concat_literals(ctx, node)
        return pieces is not None and all(
            _NAMES_ONLY.match(p.strip(", ")) or not p.strip(", ") for p in pieces
        )
    return False


def _joined_lines(ctx: JsContext, node: Node) -> bool:
    """`lines.join("\\n")`: the lines of code a generator collected."""
    if node.type != "call_expression":
        return False
    callee = node.child_by_field_name("function")
    if callee is None or callee.type != "member_expression":
        return False
    prop = callee.child_by_field_name("property")
    args = ctx.args(node)
    if prop is None or ctx.text(prop) != "join" or len(args) != 1 or not _literal(args[0]):
        return False
    # "\n" written as an escape or, in minified output, as a newline inside backquotes
    separator = ctx.text(args[0])[1:-1].replace("\\n", "\n")
    return "\n" in separator and not separator.strip()


def _assembled(ctx: JsContext, node: Node, hops: int) -> bool:
    """A template or concatenation whose literal parts are code, substitutions aside."""
    if node.type == "parenthesized_expression" and node.named_children:
        return _assembled(ctx, node.named_children[0], hops)
    if node.type == "identifier" and hops > 0:
        name = ctx.text(node)
        binding = ctx.bindings.lookup(name, node.start_byte)
        value = binding.value if binding is not None else None
        if value is not None and _optional_hook(ctx, value, name):
            # `src = ...; opts.process && (src = opts.process(src))` (ajv's `code.process`): the
            # code that runs is the one assembled before, whether or not a hook touches it.
            assignment = value.parent
            before = assignment.start_byte - 1 if assignment is not None else -1
            binding = ctx.bindings.lookup(name, before)
            earlier = binding.value if binding is not None else None
            if earlier is None or earlier.start_byte >= before:
                return False
            return _assembled(ctx, earlier, hops - 1)
        return value is not None and _assembled(ctx, value, hops - 1)
    if node.type == "template_string":
        subs = [c for c in node.named_children if c.type == "template_substitution"]
        parts = [ctx.text(c) for c in node.named_children if c.type == "string_fragment"]
        return bool(subs) and _CODE.search(" ".join(parts)) is not None
    if node.type == "binary_expression":
        pieces = _concat_literals(ctx, node)
        return pieces is not None and _CODE.search(" ".join(pieces)) is not None
    if node.type == "call_expression":  # `"f('".concat(id, "')")`: a template, compiled by Babel
        pieces = _concat_call_literals(ctx, node)
        return pieces is not None and _CODE.search(" ".join(pieces)) is not None
    return False


def _optional_hook(ctx: JsContext, value: Node, name: str) -> bool:
    """`cond && (name = hook(name, ...))` or `if (cond) name = hook(name)`: a conditional
    reassignment passing the name's own value through a caller's post-processing hook."""
    if value.type != "call_expression" or not any(
        a.type == "identifier" and ctx.text(a) == name for a in ctx.args(value)
    ):
        return False
    assignment = value.parent
    if assignment is None or assignment.type != "assignment_expression":
        return False
    outer = assignment.parent
    while outer is not None and outer.type == "parenthesized_expression":
        outer = outer.parent
    if outer is None:
        return False
    if outer.type == "binary_expression":
        op = outer.child_by_field_name("operator")
        right = outer.child_by_field_name("right")
        return (
            op is not None
            and ctx.text(op) in ("&&", "||", "??")
            and right is not None
            and right.start_byte <= assignment.start_byte
        )
    if outer.type == "expression_statement":
        parent = outer.parent
        if parent is not None and parent.type == "statement_block":
            parent = parent.parent if parent.named_child_count == 1 else None
        return parent is not None and parent.type == "if_statement"
    return False


def _concat_call_literals(ctx: JsContext, node: Node) -> list[str] | None:
    """The literals of `"a".concat(x, "b")` (chained: `"a".concat(x).concat("b")`) when at
    least one part is computed, else None: what compilers turn a template literal into."""
    literals: list[str] = []
    computed = 0
    cur: Node | None = node
    for _ in range(MAX_HOPS * 8):
        if cur is None or cur.type != "call_expression":
            break
        callee = cur.child_by_field_name("function")
        prop = callee.child_by_field_name("property") if callee is not None else None
        if callee is None or callee.type != "member_expression" or prop is None:
            return None
        if ctx.text(prop) != "concat":
            return None
        for arg in ctx.args(cur):
            if _literal(arg):
                literals.append(ctx.text(arg)[1:-1])
            else:
                computed += 1
        cur = callee.child_by_field_name("object")
    if cur is None or not _literal(cur):
        return None  # `[].concat(...)`, `list.concat(...)`: arrays, not code text
    literals.append(ctx.text(cur)[1:-1])
    return literals if computed else None


def _concat_literals(ctx: JsContext, node: Node) -> list[str] | None:
    """The string literals of a `+` chain with at least one computed part, else None."""
    literals: list[str] = []
    computed = 0
    stack = [node]
    budget = MAX_NODES
    while stack and budget > 0:
        budget -= 1
        cur = stack.pop()
        op = cur.child_by_field_name("operator") if cur.type == "binary_expression" else None
        if op is not None and ctx.text(op) == "+":
            stack.extend(c for c in (cur.child_by_field_name(f) for f in ("left", "right")) if c)
        elif _literal(cur):
            literals.append(ctx.text(cur)[1:-1])
        elif cur.type == "template_string":
            literals.extend(ctx.text(c) for c in cur.named_children if c.type == "string_fragment")
            computed += 1
        else:
            computed += 1
    return literals if computed and literals else None
