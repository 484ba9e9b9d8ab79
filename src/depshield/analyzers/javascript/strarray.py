"""Static decoding of obfuscator.io string arrays: the array, its rotation, its decoder, its calls.

javascript-obfuscator moves every string into one array, rotates the array at start-up until
an arithmetic checksum over `parseInt(decoder(i))` matches a constant, and replaces each string
by a call `decoder(0x1a2)` (base64- or RC4-encoded variants take `decoder(0x1a2, 'key')`). The
file then says nothing a rule can read: no module name, no host, no path. This module rebuilds
the strings as data (no code runs): it finds the array, replays the rotation with a tiny
evaluator for the checksum's grammar (numbers, + - * / %, unary minus, parentheses, parseInt of
a decoder call), and rewrites each decoder call into the string literal it returns. The rewrite
keeps every line break, so findings on the decoded text keep the original file:line.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from depshield.analyzers.javascript import strdecode as js_strdecode
from depshield.analyzers.javascript import strobjects as js_strobjects
from depshield.analyzers.javascript.fold import js_number
from depshield.analyzers.javascript.text import literal_value

if TYPE_CHECKING:
    from collections.abc import Callable

    from tree_sitter import Node

MIN_ELEMENTS = 3
MAX_ELEMENTS = 20_000
MAX_DECODER_TEXT = 20_000  # characters of a decoder function's source worth reading
MAX_CHECKSUM_NODES = 400
MAX_ROTATION_WORK = 2_000_000  # checksum nodes evaluated over all rotations of one array
MAX_REWRITES = 200_000
MAX_WRAPPER_DEPTH = 8
Value = float | str
# Files worth the work: obfuscator names (`_0x1a2b`) or the rotation's `x['push'](x['shift']())`.
_GATE = re.compile(rb"_0x[0-9a-f]{3,}|\[\s*['\"]push['\"]\s*\]\s*\(\s*[\w$]+\s*\[\s*['\"]shift")
_OBFUSCATED_NAME = re.compile(r"^(?:[\w$]+_)?_0x[0-9a-f]{3,}$")


@dataclass(frozen=True, slots=True)
class Decoder:
    array: str  # name of the array (or of its getter function)
    offset: int
    kind: str  # "plain", "base64" or "rc4"
    alphabet: str  # the base64 alphabet the decoder spells out


@dataclass(frozen=True, slots=True)
class Decoded:
    source: bytes  # the file with each resolved call replaced by its string literal
    strings: int  # calls and lookups rewritten
    arrays: int


def decode(source: bytes, caps: dict[str, list[Node]]) -> Decoded | None:
    """The file with its string-array lookups resolved, or None when it holds none."""
    if _GATE.search(source) is None:
        return None
    arrays = _arrays(source, caps)
    getters = _getters(source, caps, arrays) if arrays else {}
    # An ordinary array (`const colors = [...]`) may be changed at run time: only the
    # obfuscator's own arrays, named `_0x..` or returned by a getter, are taken as constant.
    arrays = {a: v for a, v in arrays.items() if a in getters.values() or _OBFUSCATED_NAME.match(a)}
    stores = js_strobjects.objects(source, caps)
    if not arrays and not stores:
        return None
    decoders = _decoders(source, caps, arrays, getters)
    names = {**{g: arrays[a] for g, a in getters.items()}, **arrays}
    tables = {name: list(values) for name, values in names.items()}
    aliases = _aliases(source, caps, set(decoders))
    lookup = _Lookup(tables, decoders, aliases)
    _wrappers(source, caps, lookup)
    _rotate_all(source, caps, lookup)
    edits = _rewrites(source, caps, lookup, plain=set(arrays) - set(getters.values()))
    edits += js_strobjects.reads(source, caps, stores)
    if not edits:
        return None
    return Decoded(_apply(source, edits), len(edits), len(arrays))


def _text(node: Node, source: bytes) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _arrays(source: bytes, caps: dict[str, list[Node]]) -> dict[str, list[str]]:
    """`var A = ['..', '..', ...]`: arrays of string literals only."""
    out: dict[str, list[str]] = {}
    for decl in caps.get("decl", ()):
        name, value = decl.child_by_field_name("name"), decl.child_by_field_name("value")
        if name is None or value is None or name.type != "identifier" or value.type != "array":
            continue
        items = value.named_children
        if not MIN_ELEMENTS <= len(items) <= MAX_ELEMENTS:
            continue
        values = [literal_value(n, source) for n in items]
        if all(v is not None for v in values):
            out[_text(name, source)] = [v for v in values if v is not None]
    return out


def _enclosing_function(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None:
        if parent.type in ("function_declaration", "function_expression", "arrow_function"):
            return parent
        parent = parent.parent
    return None


def _getters(
    source: bytes, caps: dict[str, list[Node]], arrays: dict[str, list[str]]
) -> dict[str, str]:
    """`function G(){var A=[...]; G=function(){return A;}; return G();}`: G -> A."""
    out: dict[str, str] = {}
    for decl in caps.get("decl", ()):
        name = decl.child_by_field_name("name")
        if name is None or _text(name, source) not in arrays:
            continue
        fn = _enclosing_function(decl)
        fname = fn.child_by_field_name("name") if fn is not None else None
        if fn is None or fname is None or fn.end_byte - fn.start_byte > 4 * MAX_DECODER_TEXT * 50:
            continue
        g, a = _text(fname, source), _text(name, source)
        body = re.sub(r"\s+", "", _text(fn, source)[-400:])
        if f"{g}=function(){{return{a}" in body:
            out[g] = a
    return out


def _decoders(
    source: bytes,
    caps: dict[str, list[Node]],
    arrays: dict[str, list[str]],
    getters: dict[str, str],
) -> dict[str, Decoder]:
    """Functions that index one of the arrays with `i = i - OFFSET`: name -> Decoder."""
    out: dict[str, Decoder] = {}
    names = "|".join(re.escape(n) for n in sorted({*getters, *arrays}, key=len, reverse=True))
    used = re.compile(rf"(?<![\w$])({names})(?:\(\)|\[)")
    for fn in caps.get("fn", ()):
        name = _function_name(fn, source)
        if name is None or name in getters or fn.end_byte - fn.start_byte > MAX_DECODER_TEXT:
            continue
        text = _text(fn, source)
        target = _array_used(text, used)
        offset = _offset(fn, source) if target is not None else None
        if target is None or offset is None:
            continue
        out[name] = Decoder(target, offset, *js_strdecode.kind_of(text))
    return out


def _offset(fn: Node, source: bytes) -> int | None:
    """OFFSET of `i = i - OFFSET` / `i -= OFFSET` in the decoder (OFFSET may be arithmetic:
    `i = i - (-0x59 * 0x4 + 0x188 + 0xcd)`)."""
    stack, seen = [fn], 0
    while stack and seen < 2000:
        node = stack.pop()
        seen += 1
        amount = _subtracted(node, source)
        if amount is not None:
            return _constant(amount, source)
        stack.extend(reversed(node.named_children))
    return None


def _subtracted(node: Node, source: bytes) -> Node | None:
    """The right-hand side of `x = x - R` or `x -= R`, else None."""
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if left is None or right is None:
        return None
    if node.type == "augmented_assignment_expression":
        op = node.child_by_field_name("operator")
        return right if op is not None and op.type == "-=" else None
    if node.type != "assignment_expression" or right.type != "binary_expression":
        return None
    op, inner = right.child_by_field_name("operator"), right.child_by_field_name("left")
    if op is None or op.type != "-" or inner is None:
        return None
    return (
        right.child_by_field_name("right") if _text(inner, source) == _text(left, source) else None
    )


def _constant(node: Node, source: bytes) -> int | None:
    value = _evaluate(node, source, _NO_LOOKUP, [0])
    if value is None or math.isnan(value) or not value.is_integer():
        return None
    return int(value)


def _function_name(fn: Node, source: bytes) -> str | None:
    name = fn.child_by_field_name("name")
    if name is None and fn.parent is not None and fn.parent.type == "variable_declarator":
        name = fn.parent.child_by_field_name("name")
    return _text(name, source) if name is not None and name.type == "identifier" else None


def _array_used(text: str, pattern: re.Pattern[str]) -> str | None:
    """The getter called (`G()`) or the array indexed (`A[`) in a decoder's text."""
    m = pattern.search(text)
    return None if m is None else m.group(1)


def _aliases(source: bytes, caps: dict[str, list[Node]], decoders: set[str]) -> dict[str, str]:
    """`const f = D;` (every function re-binds the decoder under a local name): f -> D."""
    out = {d: d for d in decoders}
    pairs = []
    for decl in caps.get("decl", ()):
        name, value = decl.child_by_field_name("name"), decl.child_by_field_name("value")
        if name is not None and value is not None and value.type == "identifier":
            pairs.append((_text(name, source), _text(value, source)))
    for _ in range(4):  # aliases of aliases, a few levels deep
        grown = False
        for alias, target in pairs:
            if alias not in out and target in out:
                out[alias] = out[target]
                grown = True
        if not grown:
            break
    return out


def _wrappers(source: bytes, caps: dict[str, list[Node]], lookup: _Lookup) -> None:
    """`function W(a, b, c){ return D(c - 0x86, a); }`: the obfuscator's call wrappers, which
    shift the index before calling the decoder (or another wrapper)."""
    for fn in caps.get("fn", ()):
        name = _function_name(fn, source)
        params_node, body = fn.child_by_field_name("parameters"), fn.child_by_field_name("body")
        if name is None or params_node is None or body is None or name in lookup.aliases:
            continue
        stmts = body.named_children
        if len(stmts) != 1 or stmts[0].type != "return_statement" or not stmts[0].named_children:
            continue
        call = stmts[0].named_children[0]
        callee = call.child_by_field_name("function") if call.type == "call_expression" else None
        args = call.child_by_field_name("arguments") if callee is not None else None
        if callee is None or args is None or callee.type != "identifier":
            continue
        params = [_text(p, source) for p in params_node.named_children if p.type == "identifier"]
        lookup.wrappers[name] = (params, _text(callee, source), list(args.named_children))


class _Lookup:
    """The decoded string behind `decoder(index, key)` for the arrays' current rotation."""

    def __init__(
        self, tables: dict[str, list[str]], decoders: dict[str, Decoder], aliases: dict[str, str]
    ) -> None:
        self.tables, self.decoders, self.aliases = tables, decoders, aliases
        self.wrappers: dict[str, tuple[list[str], str, list[Node]]] = {}
        self.shift: dict[str, int] = {}  # array name -> rotations applied (push(shift()) each)
        self._cache: dict[tuple[str, str, str], str | None] = {}

    def resolve(self, source: bytes, callee: str, args: list[Value], depth: int = 0) -> str | None:
        """What `callee(*args)` returns: a decoder call, or a wrapper that calls one."""
        wrapper = self.wrappers.get(callee)
        if wrapper is not None and depth < MAX_WRAPPER_DEPTH:
            params, target, arg_nodes = wrapper
            env = dict(zip(params, args, strict=False))
            inner = [_value(n, source, self, env, [0]) for n in arg_nodes]
            if not inner or inner[0] is None:
                return None
            return self.resolve(
                source, target, [v if v is not None else "" for v in inner], depth + 1
            )
        if not args or callee not in self.aliases:
            return None
        first = args[0]
        index = _js_int(first) if isinstance(first, str) else first
        if index is None or isinstance(index, float) and not index.is_integer():
            return None
        key = args[1] if len(args) > 1 and isinstance(args[1], str) else None
        return self.call(callee, int(index), key)

    def call(self, callee: str, index: int, key: str | None) -> str | None:
        decoder = self.decoders.get(self.aliases.get(callee, ""))
        if decoder is None:
            return None
        table = self.tables.get(decoder.array)
        i = index - decoder.offset
        if table is None or not 0 <= i < len(table):
            return None
        raw = table[(i + self.shift.get(decoder.array, 0)) % len(table)]
        cache_key = (decoder.kind + decoder.alphabet[:1], raw, key or "")
        if cache_key not in self._cache:
            self._cache[cache_key] = js_strdecode.decode_one(decoder, raw, key)
        return self._cache[cache_key]


_NO_LOOKUP = _Lookup({}, {}, {})


def _rotate_all(source: bytes, caps: dict[str, list[Node]], lookup: _Lookup) -> None:
    """Replay each rotation IIFE `(function(A, target){...push(shift())...}(G, 0x3ab2f))`."""
    for call in caps.get("call", ()):
        fn = call.child_by_field_name("function")
        args = call.child_by_field_name("arguments")
        while fn is not None and fn.type == "parenthesized_expression" and fn.named_children:
            fn = fn.named_children[0]
        if fn is None or args is None or fn.type != "function_expression":
            continue
        items = args.named_children
        if len(items) != 2:
            continue
        name = _text(items[0], source)
        target = _evaluate(items[1], source, _NO_LOOKUP, [0])
        if name not in lookup.tables or target is None or "shift" not in _text(fn, source):
            continue
        if not _rotate(source, fn, lookup, name, target):
            del lookup.tables[name]  # a checksum we cannot replay: decode nothing from it


def _rotate(source: bytes, fn: Node, lookup: _Lookup, name: str, target: float) -> bool:
    """Rotate the array until the checksum equals `target`; False when no rotation does."""
    table = lookup.tables[name]
    checksum = _checksum_node(fn, source)
    if checksum is None:
        # The older shape: `var f=function(c){while(--c){a.push(a.shift())}}; f(++n)`.
        if not re.search(r"while\s*\(\s*--", _text(fn, source)) or not target.is_integer():
            return False
        lookup.shift[name] = int(target) % len(table)
        return True
    work = 0
    for r in range(len(table)):
        lookup.shift[name] = r
        budget = [0]
        value = _evaluate(checksum, source, lookup, budget)
        if value is not None and value == target:
            return True
        work += budget[0]
        if work > MAX_ROTATION_WORK:
            break  # a hostile array and checksum: give up rather than spin
    lookup.shift.pop(name, None)
    return False


def _checksum_node(fn: Node, source: bytes) -> Node | None:
    """The expression summing `parseInt(decoder(i))` terms inside the rotation loop."""
    stack = [fn]
    seen = 0
    while stack and seen < 5000:
        node = stack.pop()
        seen += 1
        if node.type == "variable_declarator":
            value = node.child_by_field_name("value")
            if value is not None and "parseInt" in _text(value, source)[:4000]:
                return value
        stack.extend(node.named_children)
    return None


def _evaluate(node: Node, source: bytes, lookup: _Lookup, budget: list[int]) -> float | None:
    """JavaScript arithmetic over numbers and `parseInt(decoder(..))`; None when outside."""
    budget[0] += 1
    if budget[0] > MAX_CHECKSUM_NODES:
        return None
    kind = node.type
    if kind == "number":
        return js_number(_text(node, source))
    if kind == "parenthesized_expression" and len(node.named_children) == 1:
        return _evaluate(node.named_children[0], source, lookup, budget)
    if kind == "unary_expression":
        operand = node.child_by_field_name("argument")
        op = node.child_by_field_name("operator")
        value = _evaluate(operand, source, lookup, budget) if operand is not None else None
        if value is None or op is None or op.type not in "-+":
            return None
        return -value if op.type == "-" else value
    if kind == "binary_expression":
        return _binary(node, source, lookup, budget)
    if kind == "call_expression":
        return _parse_int_call(node, source, lookup)
    return None


_OPS: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: _divide(a, b),
    "%": lambda a, b: math.fmod(a, b) if b and not math.isinf(a) else math.nan,
}


def _divide(a: float, b: float) -> float:
    if b:
        return a / b
    if a == 0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1, b)


def _binary(node: Node, source: bytes, lookup: _Lookup, budget: list[int]) -> float | None:
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    op = node.child_by_field_name("operator")
    if left is None or right is None or op is None or op.type not in _OPS:
        return None
    a = _evaluate(left, source, lookup, budget)
    b = _evaluate(right, source, lookup, budget)
    if a is None or b is None:
        return None
    try:
        return _OPS[op.type](a, b)
    except (OverflowError, ValueError):
        return math.nan


def _parse_int_call(node: Node, source: bytes, lookup: _Lookup) -> float | None:
    fn, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
    if fn is None or args is None or _text(fn, source) != "parseInt":
        return None
    items = args.named_children
    if len(items) != 1 or items[0].type != "call_expression":
        return None
    value = _call_value(items[0], source, lookup)
    return math.nan if value is None else js_strdecode.parse_int(value)


def _call_value(call: Node, source: bytes, lookup: _Lookup) -> str | None:
    """The string a decoder call `f(0x1a2)` / `f(0x1a2, 'key')` / `f('0x1a2')` returns."""
    fn, args = call.child_by_field_name("function"), call.child_by_field_name("arguments")
    if fn is None or args is None or fn.type != "identifier":
        return None
    callee = _text(fn, source)
    if callee not in lookup.aliases and callee not in lookup.wrappers:
        return None
    items = args.named_children
    if not 1 <= len(items) <= 6:
        return None
    values = [_value(n, source, lookup, {}, [0]) for n in items]
    if values[0] is None:
        return None
    return lookup.resolve(source, callee, [v if v is not None else "" for v in values])


def _value(
    node: Node, source: bytes, lookup: _Lookup, env: dict[str, Value], budget: list[int]
) -> Value | None:
    """A call argument: a number, a string, a wrapper's parameter, or arithmetic on them."""
    budget[0] += 1
    if budget[0] > MAX_CHECKSUM_NODES:
        return None
    kind = node.type
    if kind == "string":
        return literal_value(node, source)
    if kind == "identifier":
        return env.get(_text(node, source))
    if kind == "binary_expression" and env:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        op = node.child_by_field_name("operator")
        if left is None or right is None or op is None or op.type not in _OPS:
            return None
        a = _value(left, source, lookup, env, budget)
        b = _value(right, source, lookup, env, budget)
        if not isinstance(a, float) or not isinstance(b, float):
            return None
        return _OPS[op.type](a, b)
    if kind == "unary_expression" and env:
        inner = node.child_by_field_name("argument")
        v = _value(inner, source, lookup, env, budget) if inner is not None else None
        return -v if isinstance(v, float) and _text(node, source).startswith("-") else None
    return _evaluate(node, source, _NO_LOOKUP, budget)


def _rewrites(
    source: bytes, caps: dict[str, list[Node]], lookup: _Lookup, plain: set[str]
) -> list[tuple[int, int, str]]:
    """(start, end, literal) for each decoder call and each `A[3]` on a plain array."""
    edits: list[tuple[int, int, str]] = []
    for call in caps.get("call", ()):
        value = _call_value(call, source, lookup)
        if value is not None:
            edits.append((call.start_byte, call.end_byte, value))
            if len(edits) >= MAX_REWRITES:
                return edits
    for sub in caps.get("sub", ()):
        obj, index = sub.child_by_field_name("object"), sub.child_by_field_name("index")
        if obj is None or index is None or index.type != "number":
            continue
        name = _text(obj, source)
        table = lookup.tables.get(name) if name in plain else None
        i = _js_int(_text(index, source))
        if table is not None and i is not None and 0 <= i < len(table):
            value = table[(i + lookup.shift.get(name, 0)) % len(table)]
            edits.append((sub.start_byte, sub.end_byte, value))
    return edits


def _apply(source: bytes, edits: list[tuple[int, int, str]]) -> bytes:
    """Splice the literals in, outermost edit first; each keeps its span's line breaks."""
    parts, last = [], 0
    for start, end, value in sorted(edits, key=lambda e: (e[0], -e[1])):
        if start < last:
            continue  # inside an edit already made
        breaks = source.count(b"\n", start, end)
        parts.append(source[last:start])
        parts.append(json.dumps(value).encode("ascii") + b"\n" * breaks)
        last = end
    parts.append(source[last:])
    return b"".join(parts)


def _js_int(text: str) -> int | None:
    value = js_number(text.strip())
    if value is None or not value.is_integer():
        return None
    return int(value)
