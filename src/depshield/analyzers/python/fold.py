"""Constant folding of Python expressions built from literals (concat, join, chr, decodes...)."""

from __future__ import annotations

import ast
import builtins
import operator
import re
import types
from collections.abc import Callable
from typing import Protocol

from depshield.analyzers.python.fold_calls import (
    MAX_ITEMS,
    MAX_LEN,
    Folded,
    Value,
    fold_call,
    fold_method,
    how_of,
    size_ok,
    to_seq,
)
from depshield.analyzers.python.scope import Scope

MAX_DEPTH = 40


class Names(Protocol):
    def qualname(self, node: ast.AST, scope: Scope, depth: int = 0) -> str | None: ...

    def binding(self, name: str, scope: Scope) -> tuple[list[ast.expr | None], Scope] | None: ...


Env = dict[str, Value]

_INT_OPS: dict[type[ast.operator], Callable[[int, int], int]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.BitXor: operator.xor,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    # Bounded below: `1 << 10**9` or `9 ** 10**9` must not allocate gigabytes.
    ast.LShift: lambda a, b: a << b if 0 <= b <= 4096 else _refuse(),
    ast.RShift: lambda a, b: a >> b if b >= 0 else _refuse(),
    ast.Pow: lambda a, b: a**b if 0 <= b <= 128 and abs(a) <= 2**32 else _refuse(),
}


def _refuse() -> int:
    raise ValueError("operands out of bounds")


_PERCENT = re.compile(r"%(?![sdc%])")


class Folder:
    """Folds expressions in a scope; `names` resolves call names and variable bindings."""

    def __init__(self, names: Names) -> None:
        self.names = names
        self.memo: dict[int, Folded | None] = {}
        self.keep: list[ast.AST] = []

    def fold(
        self, node: ast.AST, scope: Scope, env: Env | None = None, depth: int = 0
    ) -> Folded | None:
        if depth > MAX_DEPTH:
            return None
        if env is None and id(node) in self.memo:
            return self.memo[id(node)]
        if env is None:
            self.memo[id(node)] = None  # breaks cycles such as `a = a + "x"`
        try:
            result = self._fold(node, scope, env or {}, depth + 1)
        except Exception:  # hostile literals: any evaluation error just means "unknown"
            result = None
        if result is not None and not size_ok(result.value):
            result = None
        if env is None:
            self.memo[id(node)] = result
        return result

    def fold_str(self, node: ast.AST, scope: Scope) -> Folded | None:
        """Fold to text (bytes are decoded as latin-1, which keeps every byte)."""
        got = self.fold(node, scope)
        if got is None:
            return None
        if isinstance(got.value, bytes):
            return Folded(got.value.decode("latin-1"), got.how)
        return got if isinstance(got.value, str) else None

    def _fold(self, node: ast.AST, scope: Scope, env: Env, depth: int) -> Folded | None:
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, str | bytes) or (
                isinstance(value, int) and not isinstance(value, bool)
            ):
                return Folded(value)
            return None
        if isinstance(node, ast.Name):
            return self._name(node.id, scope, env, depth)
        handler = _HANDLERS.get(type(node))
        return handler(self, node, scope, env, depth) if handler else None

    def _name(self, name: str, scope: Scope, env: Env, depth: int) -> Folded | None:
        if name in env:
            return Folded(env[name])
        found = self.names.binding(name, scope)
        if found is None:
            return None
        values, where = found
        if len(values) != 1 or values[0] is None:
            return None
        return self.fold(values[0], where, None, depth)

    def parts(
        self, nodes: list[ast.expr], scope: Scope, env: Env, depth: int
    ) -> list[Folded] | None:
        out: list[Folded] = []
        for node in nodes:
            got = self.fold(node, scope, env or None, depth)
            if got is None:
                return None
            out.append(got)
        return out


def _binop(f: Folder, node: ast.AST, scope: Scope, env: Env, depth: int) -> Folded | None:
    assert isinstance(node, ast.BinOp)
    sides = f.parts([node.left, node.right], scope, env, depth)
    if sides is None:
        return None
    left, right = sides
    a, b = left.value, right.value
    if isinstance(node.op, ast.Add) and type(a) is type(b) and not isinstance(a, int):
        if len(a) + len(b) > MAX_LEN:  # type: ignore[arg-type]
            return None
        return Folded(a + b, how_of(left, right, extra="concat"))  # type: ignore[operator]
    if isinstance(node.op, ast.Mult) and isinstance(b, int) and isinstance(a, str | bytes):
        if len(a) * b > MAX_LEN:
            return None
        return Folded(a * b, how_of(left, right, extra="concat"))
    if isinstance(node.op, ast.Mod) and isinstance(a, str) and not _PERCENT.search(a):
        args = b if isinstance(b, tuple) else (b,)
        return Folded(a % args, how_of(left, right, extra="format"))
    if isinstance(a, int) and isinstance(b, int) and type(node.op) in _INT_OPS:
        return Folded(_INT_OPS[type(node.op)](a, b), how_of(left, right))
    return None


def _unary(f: Folder, node: ast.AST, scope: Scope, env: Env, depth: int) -> Folded | None:
    assert isinstance(node, ast.UnaryOp)
    got = f.fold(node.operand, scope, env or None, depth)
    if got is None or not isinstance(got.value, int):
        return None
    if isinstance(node.op, ast.USub):
        return Folded(-got.value, got.how)
    if isinstance(node.op, ast.Invert):
        return Folded(~got.value, got.how)
    return got if isinstance(node.op, ast.UAdd) else None


def _joined(f: Folder, node: ast.AST, scope: Scope, env: Env, depth: int) -> Folded | None:
    assert isinstance(node, ast.JoinedStr)
    out: list[str] = []
    hows: list[Folded] = []
    for part in node.values:
        inner = part.value if isinstance(part, ast.FormattedValue) else part
        if isinstance(part, ast.FormattedValue) and (part.format_spec or part.conversion != -1):
            return None
        got = f.fold(inner, scope, env or None, depth)
        if got is None or isinstance(got.value, tuple | bytes):
            return None
        out.append(str(got.value))
        hows.append(got)
    return Folded("".join(out), how_of(*hows, extra="format"))


def _sequence(f: Folder, node: ast.AST, scope: Scope, env: Env, depth: int) -> Folded | None:
    assert isinstance(node, ast.List | ast.Tuple | ast.Set)
    if len(node.elts) > MAX_ITEMS:
        return None
    items = f.parts(list(node.elts), scope, env, depth)
    if items is None:
        return None
    return Folded(tuple(i.value for i in items), how_of(*items))


def _subscript(f: Folder, node: ast.AST, scope: Scope, env: Env, depth: int) -> Folded | None:
    assert isinstance(node, ast.Subscript)
    base = f.fold(node.value, scope, env or None, depth)
    if base is None or isinstance(base.value, int):
        return None
    if isinstance(node.slice, ast.Slice):
        bounds: list[int | None] = []
        for part in (node.slice.lower, node.slice.upper, node.slice.step):
            got = f.fold(part, scope, env or None, depth) if part is not None else None
            if part is not None and (got is None or not isinstance(got.value, int)):
                return None
            bounds.append(got.value if got and isinstance(got.value, int) else None)
        step = bounds[2]
        how = "reverse" if isinstance(step, int) and step < 0 else "slice"
        return Folded(base.value[slice(*bounds)], how_of(base, extra=how))
    index = f.fold(node.slice, scope, env or None, depth)
    if index is None or not isinstance(index.value, int):
        return None
    return Folded(base.value[index.value], how_of(base, index))


def _comprehension(f: Folder, node: ast.AST, scope: Scope, env: Env, depth: int) -> Folded | None:
    """`chr(c ^ 7) for c in [..]`: one loop over a literal sequence, optional literal filters."""
    assert isinstance(node, ast.GeneratorExp | ast.ListComp)
    if len(node.generators) != 1 or not isinstance(node.generators[0].target, ast.Name):
        return None
    gen = node.generators[0]
    assert isinstance(gen.target, ast.Name)
    source = f.fold(gen.iter, scope, env or None, depth)
    items = to_seq(source.value) if source else None
    if source is None or items is None or len(items) > MAX_ITEMS:
        return None
    out: list[Value] = []
    hows: set[str] = set(source.how)
    for item in items:
        inner = {**env, gen.target.id: item}
        if not all(_truthy(f.fold(cond, scope, inner, depth)) for cond in gen.ifs):
            continue
        got = f.fold(node.elt, scope, inner, depth)
        if got is None:
            return None
        out.append(got.value)
        hows |= got.how
    return Folded(tuple(out), frozenset(hows))


def _truthy(got: Folded | None) -> bool:
    if got is None:
        raise ValueError("filter does not fold")
    return bool(got.value)


def _call(f: Folder, node: ast.AST, scope: Scope, env: Env, depth: int) -> Folded | None:
    assert isinstance(node, ast.Call)
    if any(isinstance(a, ast.Starred) for a in node.args):
        return None
    if isinstance(node.func, ast.Attribute):
        receiver = f.fold(node.func.value, scope, env or None, depth)
        if receiver is not None:
            args = f.parts(list(node.args), scope, env, depth)
            return fold_method(receiver, node.func.attr, args) if args is not None else None
    local = _local_function(node.func, scope)
    if local is not None:
        return _inline(f, local, node, scope, env, depth)
    lam = _bound_lambda(f, node.func, scope)
    if lam is not None:
        return _inline_lambda(f, lam, node, scope, env, depth)
    name = f.names.qualname(node.func, scope)
    if name is None:
        return None
    if name == "eval" and len(node.args) == 1 and not node.keywords:
        return _eval_literal(f, node.args[0], scope, env, depth)
    shown = _builtin_shown(f, node, name, scope)
    if shown is not None:
        return Folded(shown, frozenset({"builtin-repr"}))
    if name == "map" and len(node.args) == 2:
        return _map(f, node, scope, env, depth)
    args = f.parts(list(node.args), scope, env, depth)
    if args is None:
        return None
    return fold_call(name, args)


_MAX_INLINE = 10  # statements of a helper function folded through


def _local_function(func: ast.AST, scope: Scope) -> Scope | None:
    """The one local `def` a called name refers to, if it is one."""
    if not isinstance(func, ast.Name):
        return None
    for owner in scope.chain():
        if func.id in owner.defs:
            found = owner.defs[func.id]
            only = found[0] if len(found) == 1 else None
            return only if only is not None and only.kind == "function" else None
        if func.id in owner.assigns or func.id in owner.imports:
            return None
    return None


def _inline(
    f: Folder, fn: Scope, call: ast.Call, scope: Scope, env: Env, depth: int
) -> Folded | None:
    """`def b64(s): return b64decode(s).decode()` called on a literal: fold through the body.

    Only straight-line helpers (assignments then a return) with positional parameters.
    """
    node = fn.node
    if not isinstance(node, ast.FunctionDef) or call.keywords:
        return None
    params = [a.arg for a in node.args.args]
    args = f.parts(list(call.args), scope, env, depth)
    if args is None or len(args) != len(params) or node.args.vararg or node.args.kwonlyargs:
        return None
    inner: Env = {p: a.value for p, a in zip(params, args, strict=True)}
    how = how_of(*args)
    body = [
        s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    for stmt in body[:_MAX_INLINE]:
        if isinstance(stmt, ast.Return) and stmt.value is not None:
            got = f.fold(stmt.value, fn, inner, depth)
            return Folded(got.value, got.how | how) if got is not None else None
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
            return None
        target = stmt.targets[0]
        got = f.fold(stmt.value, fn, inner, depth)
        if got is None or not isinstance(target, ast.Name):
            return None
        inner[target.id] = got.value
        how |= got.how
    return None


def _bound_lambda(f: Folder, func: ast.AST, scope: Scope) -> tuple[ast.Lambda, Scope] | None:
    """`get_url = lambda: ''.join(chr(x) for x in [...])` then `get_url()`: the lambda a called
    name is bound to once (lambda chains that spell commands and URLs), or a lambda called in
    place."""
    if isinstance(func, ast.Lambda):
        return func, scope
    if not isinstance(func, ast.Name):
        return None
    found = f.names.binding(func.id, scope)
    if found is None or len(found[0]) != 1 or not isinstance(found[0][0], ast.Lambda):
        return None
    return found[0][0], found[1]


def _inline_lambda(
    f: Folder, lam: tuple[ast.Lambda, Scope], call: ast.Call, scope: Scope, env: Env, depth: int
) -> Folded | None:
    node, owner = lam
    params = [a.arg for a in node.args.args]
    if call.keywords or node.args.vararg or node.args.kwonlyargs or len(params) != len(call.args):
        return None
    args = f.parts(list(call.args), scope, env, depth)
    if args is None:
        return None
    inner: Env = {p: a.value for p, a in zip(params, args, strict=True)}
    got = f.fold(node.body, owner, inner or None, depth)
    return Folded(got.value, got.how | how_of(*args)) if got is not None else None


def _eval_literal(f: Folder, arg: ast.AST, scope: Scope, env: Env, depth: int) -> Folded | None:
    """`eval('\\x6d\\x61\\x67\\x69\\x63')`: the expression a literal spells, folded in place."""
    text = f.fold(arg, scope, env or None, depth)
    if text is None or not isinstance(text.value, str) or len(text.value) > 10_000:
        return None
    try:
        tree = ast.parse(text.value.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    f.keep.append(tree)  # memo keys are ids: the parsed nodes must outlive this call
    got = f.fold(tree.body, scope, env or None, depth)
    return Folded(got.value, got.how | text.how | {"eval"}) if got is not None else None


def _builtin_shown(f: Folder, node: ast.Call, name: str, scope: Scope) -> str | None:
    """`oct.__str__()` / `str(hex)`: text of a builtin, used to spell names letter by letter."""
    if name.endswith((".__str__", ".__repr__")) and not node.args:
        return builtin_text(name.rsplit(".", 1)[0])
    if name in ("str", "repr") and len(node.args) == 1 and isinstance(node.args[0], ast.Name):
        return builtin_text(f.names.qualname(node.args[0], scope) or "")
    return None


def builtin_text(name: str) -> str | None:
    """str() of a builtin function, type, or of the `copyright`/`credits` banners (no file I/O)."""
    obj = getattr(builtins, name, None) if name.isidentifier() else None
    if name in ("copyright", "credits") or isinstance(obj, types.BuiltinFunctionType | type):
        return str(obj) if obj is not None else None
    return None


def _map(f: Folder, node: ast.Call, scope: Scope, env: Env, depth: int) -> Folded | None:
    func, seq = node.args
    source = f.fold(seq, scope, env or None, depth)
    items = to_seq(source.value) if source else None
    if source is None or items is None or len(items) > MAX_ITEMS:
        return None
    if isinstance(func, ast.Lambda) and len(func.args.args) == 1:
        param = func.args.args[0].arg
        out = [f.fold(func.body, scope, {**env, param: item}, depth) for item in items]
    else:
        name = f.names.qualname(func, scope)
        if name is None:
            return None
        out = [fold_call(name, [Folded(item)]) for item in items]
    if any(o is None for o in out):
        return None
    values = tuple(o.value for o in out if o is not None)
    return Folded(values, how_of(source, *(o for o in out if o is not None), extra="map"))


_HANDLERS: dict[type, Callable[[Folder, ast.AST, Scope, Env, int], Folded | None]] = {
    ast.BinOp: _binop,
    ast.UnaryOp: _unary,
    ast.JoinedStr: _joined,
    ast.List: _sequence,
    ast.Tuple: _sequence,
    ast.Set: _sequence,
    ast.Subscript: _subscript,
    ast.GeneratorExp: _comprehension,
    ast.ListComp: _comprehension,
    ast.Call: _call,
}
