"""Dynamic code execution and decoders: usesEval, exec/decode signals, decoded payloads run."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from depshield.analyzers.base import SIGNAL_EXEC
from depshield.analyzers.javascript.codegen import generated, trivial
from depshield.analyzers.javascript.family import EVAL_TYPES, RULES
from depshield.analyzers.javascript.resolve import GLOBAL, Ref

if TYPE_CHECKING:
    from tree_sitter import Node

    from depshield.analyzers.javascript.context import JsContext

VM_EXEC = frozenset(
    {
        "runInThisContext",
        "runInNewContext",
        "runInContext",
        "compileFunction",
        "Script",
        "SourceTextModule",
    }
)
TIMERS = frozenset({"setTimeout", "setInterval", "setImmediate"})
TRIVIAL_CODE = 64  # eval('return this')-sized literal code is not a payload
MAX_FLOW_NODES = 300
PACKED_CODE = 2000  # bytes of code in one string literal run by eval
_ZLIB = re.compile(
    r"^(inflate|gunzip|unzip|brotliDecompress|createGunzip|createInflate"
    r"|createUnzip|createBrotliDecompress)"
)
_DECIPHER = frozenset({"createDecipher", "createDecipheriv", "privateDecrypt", "publicDecrypt"})
_DECODER_BODY = re.compile(rb"Buffer\.from\([^)]*['\"](base64|hex)|atob\(")
MAX_DECODER = 400  # bytes: a decoder helper, not a whole text codec
_STRINGY = ("string", "template_string", "binary_expression")


def exec_type(ctx: JsContext, node: Node, ref: Ref, new: bool) -> str | None:
    """The evalType of a call that runs code built at run time, or None."""
    if ref.base == GLOBAL:
        path = ref.path
        if path in (("eval",), ("Function",)):
            return path[0]
        if path == ("Function", "constructor"):  # `Function.constructor(src)` is Function itself
            return "Function"
        if len(path) == 1 and path[0] in TIMERS:
            args = ctx.args(node)
            return path[0] if args and args[0].type in _STRINGY else None
        return "module._compile" if path[:1] == ("module",) and "_compile" in path else None
    if ref.base == "vm" and ref.last in VM_EXEC:
        return f"vm.{ref.last}"
    if ref.base == "module":
        if "_compile" in ref.path:
            return "module._compile"
        if new and not ref.path:
            return "module.constructor"  # a fresh Module, only useful to _compile source
    return None


def on_exec(ctx: JsContext, node: Node, ref: Ref, new: bool) -> None:
    how = exec_type(ctx, node, ref, new)
    if how is None:
        return
    ctx.emit("usesEval", node, {"evalType": how}, key=how)
    args = _trusted_script(ctx, ctx.args(node))
    if how == "module.constructor" or not trivial(ctx, args, TRIVIAL_CODE):
        props = {"how": how}
        if generated(ctx, args, how):
            props["code"] = "generated"  # see javascript/codegen: pairs with no download or decode
        ctx.emit(SIGNAL_EXEC, node, props, key=how)
        ctx.sites.remember(ctx.sites.execs, node)
    decoded = find_decode(ctx, args)
    if decoded is not None:
        ctx.emit("encodedPayloadExecution", node, {"exec": how, "decode": decoded})
    packed = args[0] if args and how in ("eval", "Function") else None
    if packed is not None and packed.type == "string" and packed_code(ctx, packed):
        ctx.emit("obfuscatedFile", node, {"confidence": 0.8, "how": "code packed in a string"})


def _trusted_script(ctx: JsContext, args: list[Node]) -> list[Node]:
    """`eval(policy.createScript("", code))`: a Trusted Types policy wraps the code for CSP;
    what runs is the policy's arguments (a probe's `createScript("", "true")` is trivial)."""
    if len(args) != 1 or args[0].type != "call_expression":
        return args
    callee = args[0].child_by_field_name("function")
    prop = callee.child_by_field_name("property") if callee is not None else None
    if prop is None or ctx.text(prop) != "createScript":
        return args
    inner = ctx.args(args[0])
    return inner[-1:] if inner else args


@RULES.rule("javascript.eval-reference", reads="evalarg", emits=EVAL_TYPES)
def on_eval_reference(ctx: JsContext, ident: Node) -> None:
    """`eval` or `Function` handed over as a value: `.then(eval)`."""
    parent = ident.parent
    if parent is None or parent.type != "arguments":
        return
    ref = ctx.resolver.resolve(ident)
    if ref is None or ref.base != GLOBAL or ref.path not in (("eval",), ("Function",)):
        return
    if ref.path == ("Function",) and not _invokes(ctx, parent.parent):
        return  # `z.instanceof(Function)`, `PropTypes.instanceOf(Function)`: a type, not a call
    ctx.emit("usesEval", ident, {"evalType": ref.path[0]}, key=ref.path[0])
    ctx.emit(SIGNAL_EXEC, ident, {"how": ref.path[0]}, key=ref.path[0])
    ctx.sites.remember(ctx.sites.execs, ident)


# Calls that call what they are handed, with the values they carry: `.then(Function)`,
# `[src].map(Function)`, `Reflect.construct(Function, [src])`.
_INVOKERS = frozenset(
    {"then", "catch", "finally", "map", "flatMap", "forEach", "reduce", "apply", "call", "bind"}
    | {"construct", "pipe", "compose", "from"}
)


def _invokes(ctx: JsContext, call: Node | None) -> bool:
    """The call that `Function` is handed to is one that calls it (a promise step, an array
    method, `Reflect.construct`), not one that takes it as a type to compare against."""
    if call is None or call.type not in ("call_expression", "new_expression"):
        return False
    callee = call.child_by_field_name(
        "function" if call.type == "call_expression" else "constructor"
    )
    if callee is not None and callee.type == "member_expression":
        callee = callee.child_by_field_name("property")
    return callee is not None and ctx.text(callee) in _INVOKERS


def packed_code(ctx: JsContext, literal: Node) -> bool:
    """A long program handed to eval as one string literal (not a bundler's eval devtool
    module, which ends with a sourceURL comment)."""
    size = literal.end_byte - literal.start_byte
    if size < PACKED_CODE:
        return False
    tail = ctx.source[max(literal.start_byte, literal.end_byte - 400) : literal.end_byte]
    return b"sourceURL=" not in tail


def decode_how(ctx: JsContext, node: Node, ref: Ref, new: bool) -> str | None:
    """How a call decodes data (base64, hex, decipher, zlib), or None."""
    if ref.base == "buffer" and ref.path == (("Buffer",) if new else ("Buffer", "from")):
        args = ctx.args(node)
        enc = ctx.folder.fold(args[1]) if len(args) > 1 else None
        value = enc.value.lower() if enc is not None else ""
        return value if value in ("base64", "base64url", "hex") else None
    if ref.base == GLOBAL and ref.path == ("atob",):
        return "base64"
    if ref.base == "crypto" and ref.last in _DECIPHER:
        return "decipher"
    if ref.base == "zlib" and _ZLIB.match(ref.last):
        return "zlib"
    return None


def _decode_step(ctx: JsContext, node: Node) -> str | None:
    """The decode a single call performs, counting decipher.update() and local decoders."""
    new = node.type == "new_expression"
    callee = node.child_by_field_name("constructor" if new else "function")
    if callee is None:
        return None
    ref = ctx.resolver.resolve(callee)
    if ref is not None:
        how = decode_how(ctx, node, ref, new)
        if how is not None:
            return how
        if ref.last in ("update", "final") and any(p in _DECIPHER for p in ref.path):
            return "decipher"
        if ref.base == GLOBAL and ref.path in (("String", "fromCharCode"), ("unescape",)):
            return ref.path[-1]
        return None
    if callee.type == "identifier":
        binding = ctx.bindings.lookup(ctx.text(callee), callee.start_byte)
        fn = binding.value if binding is not None else None
        if fn is not None and decoder_function(ctx, fn):
            return "decoder-function"
    return None


def decoder_function(ctx: JsContext, fn: Node) -> bool:
    """A small local function that base64/hex-decodes its input (flatmap-stream's
    `function e(r){return Buffer.from(r,"hex").toString()}`). Large functions are left out:
    text decoders such as Emscripten's UTF8ToString feed eval legitimately."""
    if fn.type not in ("function_declaration", "function_expression", "arrow_function"):
        return False
    if fn.end_byte - fn.start_byte > MAX_DECODER:
        return False
    if _DECODER_BODY.search(ctx.source[fn.start_byte : fn.end_byte]) is not None:
        return True
    return any(_decodes(ctx, call) for call in _calls_in(ctx, fn))


def _calls_in(ctx: JsContext, fn: Node) -> list[Node]:
    """The calls inside a (small) function: `(s) => zlib.inflateSync(Buffer.from(s, enc))`
    decodes through a call whose encoding is a variable."""
    from bisect import bisect_left

    calls = ctx.caps.get("call", [])  # in document order (parse.capture)
    i = bisect_left(calls, fn.start_byte, key=lambda c: c.start_byte)
    inside = []
    while i < len(calls) and calls[i].start_byte < fn.end_byte:
        inside.append(calls[i])
        i += 1
    return inside


def _decodes(ctx: JsContext, call: Node) -> bool:
    callee = call.child_by_field_name("function")
    ref = ctx.resolver.resolve(callee) if callee is not None else None
    return ref is not None and decode_how(ctx, call, ref, False) is not None


def find_decode(ctx: JsContext, roots: list[Node], hops: int = 3) -> str | None:
    """A decode inside `roots`, following the values of the variables they name."""
    stack: list[tuple[Node, int]] = [(r, hops) for r in roots]
    budget = MAX_FLOW_NODES
    while stack and budget > 0:
        budget -= 1
        cur, left = stack.pop()
        if cur.type in ("call_expression", "new_expression"):
            how = _decode_step(ctx, cur)
            if how is not None:
                return how
        elif cur.type == "identifier" and left > 0:
            binding = ctx.bindings.lookup(ctx.text(cur), cur.start_byte)
            value = binding.value if binding is not None else None
            if value is not None and value.type not in (
                "function_declaration",
                "function_expression",
                "arrow_function",
            ):
                stack.append((value, left - 1))
            continue
        if cur.type in ("function_expression", "arrow_function", "function_declaration"):
            continue
        stack.extend((c, left) for c in cur.named_children)
    return None
