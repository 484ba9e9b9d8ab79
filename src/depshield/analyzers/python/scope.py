"""One iterative pass over a Python AST recording scopes, bindings and the nodes rules read."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

ScopeKind = Literal["module", "class", "function", "lambda"]
Parents = tuple[ast.AST, ...]

# Attributes of frame objects: reading or changing a caller's globals is debugger-level access.
FRAME_ATTRS = frozenset({"f_globals", "f_locals", "f_back", "f_builtins", "f_code", "tb_frame"})


@dataclass(eq=False)
class Scope:
    """A module, class, function or lambda body: the names it binds and the calls it makes."""

    kind: ScopeKind
    name: str
    parent: Scope | None
    node: ast.AST
    imports: dict[str, str] = field(default_factory=dict)
    star_imports: list[str] = field(default_factory=list)
    # name -> assigned expressions; None marks a binding we cannot follow (loop target, param).
    assigns: dict[str, list[ast.expr | None]] = field(default_factory=dict)
    defs: dict[str, list[Scope]] = field(default_factory=dict)
    called: set[str] = field(default_factory=set)
    name_loads: dict[str, list[Site]] = field(default_factory=dict)
    runs_on_load: bool = False
    install_command: bool = False

    def bind(self, name: str, value: ast.expr | None) -> None:
        self.assigns.setdefault(name, []).append(value)

    def chain(self) -> Iterator[Scope]:
        """This scope, then the enclosing ones Python consults (class bodies are skipped)."""
        yield self
        scope = self.parent
        while scope is not None:
            if scope.kind != "class":
                yield scope
            scope = scope.parent


@dataclass(frozen=True, slots=True)
class Site:
    """A node of interest, where it sits, and its nearest ancestors (closest last)."""

    node: ast.AST
    scope: Scope
    guarded: bool  # under `if __name__ == "__main__":`, so not run on import
    parents: Parents


@dataclass
class Index:
    module: Scope
    scopes: list[Scope] = field(default_factory=list)
    calls: list[Site] = field(default_factory=list)
    constants: list[Site] = field(default_factory=list)
    environ: list[Site] = field(default_factory=list)
    frames: list[Site] = field(default_factory=list)
    subscripts: list[Site] = field(default_factory=list)
    method_refs: list[Site] = field(default_factory=list)
    classes: list[tuple[ast.ClassDef, Scope]] = field(default_factory=list)
    relative_imports: list[str] = field(default_factory=list)
    identifiers: set[str] = field(default_factory=set)
    named_lambdas: list[tuple[str, ast.Lambda]] = field(default_factory=list)
    # `a, b, c = exec, str, map`: builtins handed out under other names in one statement.
    builtin_shuffles: list[ast.Assign] = field(default_factory=list)


def _is_main_guard(node: ast.AST) -> bool:
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    parts = [node.test.left, *node.test.comparators]
    names = {p.id for p in parts if isinstance(p, ast.Name)}
    consts = {p.value for p in parts if isinstance(p, ast.Constant)}
    return names == {"__name__"} and consts == {"__main__"}


def _relative(level: int, module: str | None, names: list[ast.alias]) -> list[str]:
    dots = "." * level
    if module:
        return [dots + module]
    return [dots + a.name for a in names if a.name != "*"]


class _Builder:
    def __init__(self, tree: ast.Module, main_guard_runs: bool) -> None:
        self.module = Scope("module", "<module>", None, tree, runs_on_load=True)
        self.index = Index(self.module, scopes=[self.module])
        self.main_guard_runs = main_guard_runs

    def new_scope(self, kind: ScopeKind, name: str, parent: Scope, node: ast.AST) -> Scope:
        qual = name if parent.kind == "module" else f"{parent.name}.{name}"
        scope = Scope(kind, qual, parent, node)
        self.index.scopes.append(scope)
        return scope

    def build(self) -> Index:
        """Depth-first walk with an explicit stack: deep trees cannot overflow Python's stack."""
        stack: list[tuple[ast.AST, Scope, bool, int]] = [(self.module.node, self.module, False, 0)]
        path: list[ast.AST] = []
        while stack:
            node, scope, guarded, depth = stack.pop()
            del path[depth:]
            path.append(node)
            kind = type(node)
            if kind in _SCOPES:
                parents = tuple(path[-5:-1])
                children = self.enter(node, scope, guarded, parents)  # type: ignore[arg-type]
                for child, child_scope, child_guarded in reversed(children):
                    stack.append((child, child_scope, child_guarded, depth + 1))
                continue
            if kind in _RECORDED:
                self.record(node, scope, guarded, tuple(path[-5:-1]))
            if self.is_main_guard(node, scope):
                assert isinstance(node, ast.If)
                for branch, branch_guarded in ((node.orelse, guarded), (node.body, True)):
                    for child in reversed(branch):
                        stack.append((child, scope, branch_guarded, depth + 1))
                continue
            _push_children(stack, node, scope, guarded, depth + 1)
        return self.index

    def is_main_guard(self, node: ast.AST, scope: Scope) -> bool:
        """`if __name__ == "__main__":` at module level (it runs in setup.py, not on import)."""
        return (
            type(node) is ast.If
            and scope.kind == "module"
            and not self.main_guard_runs
            and _is_main_guard(node)
        )

    def enter(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef,
        scope: Scope,
        guarded: bool,
        parents: Parents,
    ) -> list[tuple[ast.AST, Scope, bool]]:
        outer: list[ast.AST]
        if isinstance(node, ast.ClassDef):
            inner = self.new_scope("class", node.name, scope, node)
            scope.defs.setdefault(node.name, []).append(inner)
            self.index.identifiers.add(node.name)
            self.index.classes.append((node, scope))
            outer = [*node.decorator_list, *node.bases, *node.keywords]
            body: list[ast.AST] = list(node.body)
        else:
            name = (
                node.name if not isinstance(node, ast.Lambda) else self.lambda_name(node, parents)
            )
            kind: ScopeKind = "lambda" if isinstance(node, ast.Lambda) else "function"
            inner = self.new_scope(kind, name, scope, node)
            if not isinstance(node, ast.Lambda):
                scope.defs.setdefault(node.name, []).append(inner)
                self.index.identifiers.add(node.name)
            args = node.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if arg is not None:
                    inner.bind(arg.arg, None)
                    self.index.identifiers.add(arg.arg)
            outer = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
            if not isinstance(node, ast.Lambda):
                outer.extend(node.decorator_list)
            body = [node.body] if isinstance(node, ast.Lambda) else list(node.body)
        return [*((c, scope, guarded) for c in outer), *((c, inner, guarded) for c in body)]

    def lambda_name(self, node: ast.Lambda, parents: Parents) -> str:
        parent = parents[-1] if parents else None
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1:
            target = parent.targets[0]
            if isinstance(target, ast.Name):
                self.index.named_lambdas.append((target.id, node))
                return target.id
        return "<lambda>"

    def record(self, node: ast.AST, scope: Scope, guarded: bool, parents: Parents) -> None:
        site = Site(node, scope, guarded, parents)
        if isinstance(node, ast.Call):
            self.index.calls.append(site)
            if not guarded:
                self.note_called(node, scope)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, str | bytes):
                self.index.constants.append(site)
        elif isinstance(node, ast.Name):
            self.record_name(node, site)
        elif isinstance(node, ast.Attribute):
            if node.attr == "environ":
                self.index.environ.append(site)
            elif node.attr in FRAME_ATTRS:
                self.index.frames.append(site)
        elif isinstance(node, ast.Subscript):
            if isinstance(node.slice, ast.BinOp | ast.Call | ast.JoinedStr | ast.Subscript):
                self.index.subscripts.append(site)
        else:
            self.record_binding(node, scope)

    def record_name(self, node: ast.Name, site: Site) -> None:
        if isinstance(node.ctx, ast.Load):
            site.scope.name_loads.setdefault(node.id, []).append(site)
            if node.id == "environ":
                self.index.environ.append(site)
        else:
            self.index.identifiers.add(node.id)

    def note_called(self, node: ast.Call, scope: Scope) -> None:
        """Names this scope calls or hands to a caller (Thread(target=f), atexit.register(f))."""
        func = node.func
        if isinstance(func, ast.Name):
            scope.called.add(func.id)
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            scope.called.add(f"{func.value.id}.{func.attr}")
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            if isinstance(arg, ast.Name):
                scope.called.add(arg.id)
            elif isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name):
                scope.called.add(f"{arg.value.id}.{arg.attr}")

    def record_binding(self, node: ast.AST, scope: Scope) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    scope.imports[alias.asname] = alias.name
                    self.index.identifiers.add(alias.asname)
                else:
                    top = alias.name.split(".")[0]
                    scope.imports[top] = top
        elif isinstance(node, ast.ImportFrom):
            self.record_import_from(node, scope)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                _bind_target(scope, target, node.value)
            if _shuffles_builtins(node):
                self.index.builtin_shuffles.append(node)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
            if node.value is not None:
                _bind_target(scope, node.target, node.value)
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            _bind_target(scope, node.target, None)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            _bind_target(scope, node.optional_vars, node.context_expr)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            scope.bind(node.name, None)

    def record_import_from(self, node: ast.ImportFrom, scope: Scope) -> None:
        if node.level:
            self.index.relative_imports.extend(_relative(node.level, node.module, node.names))
            base = "." * node.level + (node.module or "")
        else:
            base = node.module or ""
        for alias in node.names:
            if alias.name == "*":
                scope.star_imports.append(base)
                continue
            sep = "" if base.endswith(".") else "."
            scope.imports[alias.asname or alias.name] = f"{base}{sep}{alias.name}"
            if alias.asname:
                self.index.identifiers.add(alias.asname)


_SCOPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef})
_RECORDED = frozenset(
    {
        ast.Call,
        ast.Constant,
        ast.Name,
        ast.Attribute,
        ast.Subscript,
        ast.Import,
        ast.ImportFrom,
        ast.Assign,
        ast.AnnAssign,
        ast.AugAssign,
        ast.NamedExpr,
        ast.For,
        ast.AsyncFor,
        ast.comprehension,
        ast.withitem,
        ast.ExceptHandler,
    }
)
# Fields holding operator singletons (ast.Load, ast.Add...): never worth a visit.
_SKIPPED_FIELDS = frozenset({"ctx", "op", "ops"})


def _push_children(
    stack: list[tuple[ast.AST, Scope, bool, int]],
    node: ast.AST,
    scope: Scope,
    guarded: bool,
    depth: int,
) -> None:
    """Push `node`'s children so that they pop in source order (faster than iter_child_nodes)."""
    for name in reversed(node._fields):
        if name in _SKIPPED_FIELDS:
            continue
        value = getattr(node, name, None)
        if isinstance(value, list):
            for item in reversed(value):
                if isinstance(item, ast.AST):
                    stack.append((item, scope, guarded, depth))
        elif isinstance(value, ast.AST):
            stack.append((value, scope, guarded, depth))


_EXECUTORS = frozenset({"exec", "eval", "compile", "__import__", "getattr"})


def _shuffles_builtins(node: ast.Assign) -> bool:
    value = node.value
    if not isinstance(value, ast.Tuple | ast.List) or len(value.elts) < 3:
        return False
    names = {e.id for e in value.elts if isinstance(e, ast.Name)}
    return bool(names & _EXECUTORS) and len(names) >= 3


def _bind_target(scope: Scope, target: ast.expr, value: ast.expr | None) -> None:
    if isinstance(target, ast.Name):
        scope.bind(target.id, value)
    elif isinstance(target, ast.Tuple | ast.List):
        values: list[ast.expr] | None = None
        if isinstance(value, ast.Tuple | ast.List) and len(value.elts) == len(target.elts):
            values = list(value.elts)
        for i, elt in enumerate(target.elts):
            _bind_target(scope, elt, values[i] if values else None)
    elif isinstance(target, ast.Starred):
        _bind_target(scope, target.value, None)


def build_index(tree: ast.Module, main_guard_runs: bool = False) -> Index:
    """Index `tree`. With `main_guard_runs` (setup.py), `if __name__ == "__main__"` runs too."""
    return _Builder(tree, main_guard_runs).build()
