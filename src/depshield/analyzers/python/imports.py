"""Import rules: modules loaded by computed names, decoded names, or from file paths."""

from __future__ import annotations

import ast

from depshield.analyzers.python.context import Ctx, arg
from depshield.analyzers.python.family import IMPORT_TYPES, RULES
from depshield.analyzers.python.fold_calls import Folded
from depshield.analyzers.python.resolve import canonical
from depshield.analyzers.python.rules import EVAL_CALLS, IMPORT_FUNCS, PICKLE_LOADS, SHELL_CALLS
from depshield.analyzers.python.scope import Scope, Site


def _hidden(ctx: Ctx, got: Folded, expr: ast.AST, scope: Scope) -> bool:
    """A name decoded, or split into literal pieces (`'o' + 's'`) for no reason but hiding it.

    Composing a name from variables (`f"{PACKAGE}.core"`) is how plugin code works.
    """
    return got.decoded or (bool(got.how) and _literal_pieces(ctx, expr, scope, 0))


def _literal_pieces(ctx: Ctx, expr: ast.AST, scope: Scope, depth: int) -> bool:
    if isinstance(expr, ast.Name):
        binding = ctx.resolver.binding(expr.id, scope)
        if depth < 3 and binding is not None and len(binding[0]) == 1 and binding[0][0] is not None:
            return _literal_pieces(ctx, binding[0][0], binding[1], depth + 1)
        return False
    nodes = list(ast.walk(expr))
    allowed = {id(n.func) for n in nodes if isinstance(n, ast.Call)}
    local = {
        t.id
        for n in nodes
        if isinstance(n, ast.comprehension)
        for t in ast.walk(n.target)
        if isinstance(t, ast.Name)
    }
    local |= {a.arg for n in nodes if isinstance(n, ast.Lambda) for a in n.args.args}
    return not any(
        isinstance(n, ast.Name) and id(n) not in allowed and n.id not in local for n in nodes
    )


def _spelled_by_index(expr: ast.AST) -> bool:
    """`t[1] + t[8] + t[13] + t[0]`: a name picked out of a string letter by letter."""
    picks = 0
    node = expr
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        if _picks_one(node.right):
            picks += 1
        node = node.left
    return picks + _picks_one(node) >= 4


def _picks_one(node: ast.AST) -> bool:
    return isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant | ast.UnaryOp)


_BUILTINS = ("builtins", "__builtins__", "__builtin__")


def _loads_code(target: str, base: str) -> bool:
    """A hidden lookup is a hidden load when what it names loads or runs code: any name of
    the builtins namespace (exec, eval, __import__ live there), a module of `sys.modules`, or
    a function that imports, evaluates, starts a command or unpickles. An attribute of a module
    the file already imported (`sys._getframe`) or a flag among the file's own globals is a
    lookup, however its name is spelled: nothing is loaded."""
    root = base.removesuffix(".__dict__")
    return root in _BUILTINS or base == "sys.modules" or canonical(target) in CODE_LOADERS


@RULES.rule("python.call.import", reads="qualname", names=IMPORT_FUNCS, emits=IMPORT_TYPES)
def import_rule(ctx: Ctx, site: Site, name: str) -> None:
    call = site.node
    assert isinstance(call, ast.Call)
    target = arg(call, 0, "name")
    if target is None:
        return
    got = ctx.resolver.fold_str(target, site.scope)
    if got is None or not isinstance(got.value, str):
        if _spelled_by_index(target):
            ctx.emit("obfuscatedRequire", site, {"module": "?", "how": ["indexing"]})
            ctx.hint("spelled-name", call, ctx.top(site))
        else:
            ctx.emit("dynamicRequire", site, {"function": name})
        return
    if _hidden(ctx, got, target, site.scope):
        ctx.emit("obfuscatedRequire", site, {"module": got.value[:120], "how": sorted(got.how)})
        ctx.hint("obfuscated-import", call, ctx.top(site))
    elif got.value.startswith(".") and name == "importlib.import_module":
        ctx.index.relative_imports.append(got.value)


@RULES.rule("python.call.getattr", reads="qualname", names={"getattr"}, emits=IMPORT_TYPES)
def getattr_rule(ctx: Ctx, site: Site, name: str) -> None:
    call = site.node
    assert isinstance(call, ast.Call)
    if len(call.args) < 2:
        return
    got = ctx.resolver.fold_str(call.args[1], site.scope)
    base = ctx.qualname(call.args[0], site.scope)
    if got is None or base is None or not isinstance(got.value, str):
        return
    if not _hidden(ctx, got, call.args[1], site.scope):
        return
    target = canonical(f"{base}.{got.value}")
    if not _loads_code(target, base):
        return
    ctx.emit("obfuscatedRequire", site, {"module": target[:120], "how": sorted(got.how)})
    if target in EVAL_CALLS or base in ("builtins", "__builtins__", "__builtin__"):
        ctx.hint("hidden-builtin", call, ctx.top(site))


@RULES.rule("python.subscript", reads="subscript", emits=IMPORT_TYPES)
def check_subscript(ctx: Ctx, site: Site) -> None:
    """`__builtins__.__dict__['ex' + 'ec']`: a computed key into a module namespace."""
    node = site.node
    assert isinstance(node, ast.Subscript)
    base = ctx.qualname(node.value, site.scope)
    if base is None or not (
        base.endswith("__dict__") or base in ("__builtins__", "sys.modules", "globals()")
    ):
        return
    got = ctx.resolver.fold_str(node.slice, site.scope)
    if (
        got is None
        or not isinstance(got.value, str)
        or not _hidden(ctx, got, node.slice, site.scope)
    ):
        return
    target = ctx.qualname(node, site.scope) or got.value
    if not _loads_code(target, base):
        return
    ctx.emit("obfuscatedRequire", site, {"module": target[:120], "how": sorted(got.how)})
    if target in EVAL_CALLS:
        ctx.hint("hidden-builtin", node, ctx.top(site))


FILE_LOADERS = (
    "importlib.util.spec_from_file_location",
    "imp.load_source",
    "imp.load_module",
    "runpy.run_path",
)


@RULES.rule("python.call.load-file", reads="qualname", names=FILE_LOADERS, emits=IMPORT_TYPES)
def load_file_rule(ctx: Ctx, site: Site, name: str) -> None:
    """Code loaded from a path (`spec_from_file_location`, `runpy.run_path`, `imp.load_source`)."""
    call = site.node
    assert isinstance(call, ast.Call)
    target = arg(call, 1, "location", "pathname") if name != "runpy.run_path" else arg(call, 0)
    path = ctx.paths.text(target, site.scope) if target is not None else None
    ctx.emit("dynamicRequire", site, {"function": name, "path": (path or "")[:200]})


FILE_LOADERS = (
    "importlib.util.spec_from_file_location",
    "imp.load_source",
    "imp.load_module",
    "runpy.run_path",
)
# Functions that load or run code: what a decoded attribute or namespace key must name.
CODE_LOADERS = frozenset(
    {*IMPORT_FUNCS, *EVAL_CALLS, *SHELL_CALLS, *PICKLE_LOADS, *FILE_LOADERS, "runpy.run_module"}
)
