"""Constant folding of string expressions, including the decoders code uses to hide names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

from depshield.analyzers.javascript import text as js_text
from depshield.analyzers.javascript.resolve import GLOBAL, Ref

if TYPE_CHECKING:
    from tree_sitter import Node

    from depshield.analyzers.javascript.bindings import Bindings
    from depshield.analyzers.javascript.resolve import Resolver

MAX_DEPTH = 24
MAX_OPERANDS = 4096
RANK = {"literal": 0, "concat": 1, "decode": 2}
FUNCTION_VALUES = ("function_declaration", "function_expression", "arrow_function")


@dataclass(frozen=True, slots=True)
class Folded:
    """A string known before run time. `how`: "literal" (written as is), "concat" (assembled
    from pieces), "decode" (decoded: base64, hex, char codes, reversed...)."""

    value: str
    how: str = "literal"
    number: float | None = None


def _worst(*hows: str) -> str:
    return max(hows, key=RANK.__getitem__)


def js_number(text: str) -> float | None:
    """A JavaScript numeric literal's value (`0x1f`, `1_000`, `1e3`), or None."""
    t = text.replace("_", "").lower()
    try:
        if t.startswith(("0x", "0o", "0b")):
            return float(int(t, 0))
        return float(t)
    except ValueError:
        return None


def _num_text(n: float) -> str:
    return str(int(n)) if n.is_integer() and abs(n) < 1e21 else repr(n)


class Folder:
    """Folds expressions to strings; follows constant bindings and inlines one-line decoder
    functions (`function d(s){return Buffer.from(s,'hex').toString()}` then `d('6673')`)."""

    def __init__(self, bindings: Bindings) -> None:
        self.bindings = bindings
        self.resolver: Resolver | None = None  # set once the resolver exists (they recurse)

    def fold(
        self, node: Node, depth: int = 0, subst: dict[str, Folded] | None = None
    ) -> Folded | None:
        if depth > MAX_DEPTH:
            return None
        kind = node.type
        if kind in ("string", "template_string"):
            return self._template(node, depth, subst)
        if kind == "number":
            n = js_number(self.bindings.text(node))
            return None if n is None else Folded(_num_text(n), "literal", n)
        if kind == "parenthesized_expression" and node.named_child_count == 1:
            inner = node.named_child(0)
            return self.fold(inner, depth + 1, subst) if inner is not None else None
        if kind == "binary_expression":
            return self._concat(node, depth, subst)
        if kind == "identifier":
            return self._identifier(node, depth, subst)
        if kind == "call_expression":
            return self._call(node, depth, subst)
        return None

    def _template(self, node: Node, depth: int, subst: dict[str, Folded] | None) -> Folded | None:
        value = js_text.literal_value(node, self.bindings.source)
        if value is not None:
            raw = self.bindings.source[node.start_byte : node.end_byte]
            return Folded(value, "decode" if js_text.hides_ascii(raw) else "literal")
        parts, how = [], "concat"
        for child in node.named_children:
            if child.type == "template_substitution":
                inner = child.named_child(0)
                folded = self.fold(inner, depth + 1, subst) if inner is not None else None
                if folded is None:
                    return None
                parts.append(folded.value)
                how = _worst(how, folded.how)
            else:
                parts.append(js_text.unescape(self.bindings.text(child)))
        return Folded("".join(parts), how)

    def _concat(self, node: Node, depth: int, subst: dict[str, Folded] | None) -> Folded | None:
        """`a + b + c` is left-nested: collect the operands with a loop, not recursion."""
        operands: list[Node] = []
        cur: Node | None = node
        while cur is not None and cur.type == "binary_expression":
            op = cur.child_by_field_name("operator")
            right = cur.child_by_field_name("right")
            if op is None or op.type != "+" or right is None or len(operands) > MAX_OPERANDS:
                return None
            operands.append(right)
            cur = cur.child_by_field_name("left")
        if cur is None:
            return None
        operands.append(cur)
        total: Folded | None = None
        for operand in reversed(operands):
            folded = self.fold(operand, depth + 1, subst)
            if folded is None:
                return None
            total = folded if total is None else _plus(total, folded)
            if len(total.value) > js_text.MAX_VALUE:
                return None
        return total

    def _identifier(self, node: Node, depth: int, subst: dict[str, Folded] | None) -> Folded | None:
        name = self.bindings.text(node)
        if subst is not None and name in subst:
            return subst[name]
        binding = self.bindings.lookup(name, node.start_byte)
        if binding is None or binding.value is None or binding.path:
            return None
        if binding.value.type in FUNCTION_VALUES:
            return None
        return self.fold(binding.value, depth + 1)

    def _args(self, call: Node) -> list[Node]:
        args = call.child_by_field_name("arguments")
        return [a for a in args.named_children if a.type != "comment"] if args else []

    def _call(self, call: Node, depth: int, subst: dict[str, Folded] | None) -> Folded | None:
        callee = call.child_by_field_name("function")
        if callee is None:
            return None
        args = self._args(call)
        if callee.type == "member_expression":
            folded = self._method(callee, args, depth, subst)
            if folded is not None:
                return folded
        ref = self.resolver.resolve(callee, depth + 1) if self.resolver else None
        if ref is not None and ref.base == GLOBAL:
            return self._global_call(ref, args, depth, subst)
        if callee.type == "identifier":
            return self._inline(callee, args, depth, subst)
        return None

    def _global_call(
        self, ref: Ref, args: list[Node], depth: int, subst: dict[str, Folded] | None
    ) -> Folded | None:
        if ref.path == ("String", "fromCharCode"):
            codes = [self.fold(a, depth + 1, subst) for a in args]
            if not codes or any(c is None or c.number is None for c in codes):
                return None
            try:
                return Folded(
                    "".join(chr(int(c.number)) for c in codes if c and c.number), "decode"
                )
            except (ValueError, OverflowError):
                return None
        if not args or ref.path not in (("atob",), ("unescape",), ("decodeURIComponent",)):
            return None
        arg = self.fold(args[0], depth + 1, subst)
        if arg is None:
            return None
        if ref.path == ("atob",):
            data = js_text.b64decode(arg.value)
            return None if data is None else Folded(data.decode("latin-1"), "decode")
        if ref.path == ("unescape",):
            return Folded(js_text.js_unescape(arg.value), "decode")
        return Folded(unquote(arg.value), _worst(arg.how, "decode"))

    def _method(
        self, callee: Node, args: list[Node], depth: int, subst: dict[str, Folded] | None
    ) -> Folded | None:
        """String methods on foldable receivers: toString of a Buffer, split/reverse/join."""
        obj, prop = callee.child_by_field_name("object"), callee.child_by_field_name("property")
        if obj is None or prop is None:
            return None
        name = self.bindings.text(prop)
        if name == "toString":
            return self._to_string(obj, args, depth, subst)
        if name == "join":
            parts = self.fold_list(obj, depth + 1, subst)
            sep = self.fold(args[0], depth + 1, subst) if args else Folded(",")
            if parts is None or sep is None:
                return None
            return Folded(
                sep.value.join(p.value for p in parts), _worst("concat", *(p.how for p in parts))
            )
        if name in ("toLowerCase", "toUpperCase", "trim", "concat"):
            base = self.fold(obj, depth + 1, subst)
            if base is None:
                return None
            if name == "concat":
                rest = [self.fold(a, depth + 1, subst) for a in args]
                if any(r is None for r in rest):
                    return None
                return Folded(base.value + "".join(r.value for r in rest if r), "concat")
            value = base.value
            changed = value.strip() if name == "trim" else value.lower()
            return Folded(value.upper() if name == "toUpperCase" else changed, base.how)
        return None

    def _to_string(
        self, obj: Node, args: list[Node], depth: int, subst: dict[str, Folded] | None
    ) -> Folded | None:
        enc = self.fold(args[0], depth + 1, subst) if args else Folded("utf8")
        data = self.fold_bytes(obj, depth + 1, subst)
        if data is not None and enc is not None:
            raw, how = data
            return Folded(js_text.decode_bytes(raw, enc.value), how)
        folded = self.fold(obj, depth + 1, subst)
        return folded if folded is not None and not args else None

    def fold_bytes(
        self, node: Node, depth: int, subst: dict[str, Folded] | None = None
    ) -> tuple[bytes, str] | None:
        """`Buffer.from(text, enc)` / `new Buffer(...)` with constant arguments."""
        if node.type not in ("call_expression", "new_expression") or self.resolver is None:
            return None
        field = "function" if node.type == "call_expression" else "constructor"
        callee = node.child_by_field_name(field)
        ref = self.resolver.resolve(callee, depth + 1) if callee is not None else None
        if ref is None or ref.base != "buffer" or ref.path not in (("Buffer", "from"), ("Buffer",)):
            return None
        args = self._args(node)
        if not args:
            return None
        if args[0].type == "array":
            codes = [self.fold(a, depth + 1, subst) for a in args[0].named_children]
            if any(c is None or c.number is None for c in codes):
                return None
            return bytes(
                int(c.number) & 0xFF for c in codes if c and c.number is not None
            ), "decode"
        text = self.fold(args[0], depth + 1, subst)
        enc = self.fold(args[1], depth + 1, subst) if len(args) > 1 else Folded("utf8")
        if text is None or enc is None:
            return None
        data = js_text.encode_text(text.value, enc.value)
        if data is None:
            return None
        decoded = enc.value.lower() in ("base64", "base64url", "hex")
        return data, "decode" if decoded else text.how

    def fold_list(
        self, node: Node, depth: int, subst: dict[str, Folded] | None = None
    ) -> list[Folded] | None:
        """Arrays of constants, `s.split(sep)` and `.reverse()` of those."""
        if depth > MAX_DEPTH:
            return None
        if node.type == "array":
            folded = [self.fold(c, depth + 1, subst) for c in node.named_children]
            kept = [i for i in folded if i is not None]
            return kept if len(kept) == len(folded) else None
        if node.type != "call_expression":
            return None
        callee = node.child_by_field_name("function")
        if callee is None or callee.type != "member_expression":
            return None
        obj, prop = callee.child_by_field_name("object"), callee.child_by_field_name("property")
        name = self.bindings.text(prop) if prop is not None else ""
        args = self._args(node)
        if obj is None:
            return None
        if name == "reverse":
            listed = self.fold_list(obj, depth + 1, subst)
            return None if listed is None else [Folded(i.value, "decode") for i in reversed(listed)]
        if name == "split" and args:
            text, sep = self.fold(obj, depth + 1, subst), self.fold(args[0], depth + 1, subst)
            if text is None or sep is None:
                return None
            parts = list(text.value) if sep.value == "" else text.value.split(sep.value)
            return [Folded(p, text.how) for p in parts]
        return None

    def _inline(
        self, callee: Node, args: list[Node], depth: int, subst: dict[str, Folded] | None
    ) -> Folded | None:
        """Call of a local one-line function: fold its returned expression with the arguments."""
        binding = self.bindings.lookup(self.bindings.text(callee), callee.start_byte)
        fn = binding.value if binding is not None and not binding.path else None
        if fn is None or fn.type not in FUNCTION_VALUES:
            return None
        params = _param_names(fn, self.bindings)
        body = _returned(fn)
        if params is None or body is None:
            return None
        inner: dict[str, Folded] = {}
        for name, arg in zip(params, args, strict=False):
            folded = self.fold(arg, depth + 1, subst)
            if folded is None:
                return None
            inner[name] = folded
        return self.fold(body, depth + 1, inner)


def _plus(a: Folded, b: Folded) -> Folded:
    if a.number is not None and b.number is not None:
        n = a.number + b.number
        return Folded(_num_text(n), _worst(a.how, b.how), n)
    return Folded(a.value + b.value, _worst("concat", a.how, b.how))


def _param_names(fn: Node, bindings: Bindings) -> list[str] | None:
    single = fn.child_by_field_name("parameter")
    if single is not None:
        return [bindings.text(single)]
    params = fn.child_by_field_name("parameters")
    if params is None:
        return None
    names = []
    for p in params.named_children:
        target = p.child_by_field_name("pattern") if p.type.endswith("_parameter") else p
        if target is None or target.type != "identifier":
            return None
        names.append(bindings.text(target))
    return names


def _returned(fn: Node) -> Node | None:
    """The expression a function returns when its body is that single return."""
    body = fn.child_by_field_name("body")
    if body is None:
        return None
    if body.type != "statement_block":
        return body
    statements = [c for c in body.named_children if c.type != "comment"]
    if len(statements) != 1 or statements[0].type != "return_statement":
        return None
    return statements[0].named_child(0)
