"""Which functions run as soon as a module loads: called from module scope, transitively."""

from __future__ import annotations

import ast
from collections import deque

from depshield.analyzers.python.scope import Index, Scope

# Calling a class runs these methods.
_CONSTRUCTORS = ("__init__", "__new__", "__post_init__")


def mark_runs_on_load(index: Index) -> None:
    """Set `runs_on_load` on every scope executed when the module is imported (or installed).

    The module body runs; a class body runs when its enclosing code runs; a function runs
    when code that runs calls it by name, as `self.x()` / `Class.x()`, hands it to a caller
    (`Thread(target=f)`), or when it is a method of an install command class (setup.py).
    """
    children: dict[Scope, list[Scope]] = {}
    for scope in index.scopes:
        if scope.parent is not None:
            children.setdefault(scope.parent, []).append(scope)
    queue: deque[Scope] = deque()

    def mark(scope: Scope) -> None:
        if scope.runs_on_load:
            return
        scope.runs_on_load = True
        queue.append(scope)

    index.module.runs_on_load = False
    mark(index.module)
    for scope in index.scopes:
        if scope.install_command:
            for method in children.get(scope, []):
                mark(method)
    while queue:
        scope = queue.popleft()
        for child in children.get(scope, []):
            if child.kind in ("class", "lambda"):
                mark(child)
        for called in scope.called:
            for target in _targets(called, scope):
                mark(target)


def _targets(called: str, scope: Scope) -> list[Scope]:
    owner, _, attr = called.rpartition(".")
    if not owner:
        return _callable(_lookup(called, scope))
    if owner in ("self", "cls"):
        cls = _enclosing_class(scope)
        return cls.defs.get(attr, []) if cls else []
    found: list[Scope] = []
    for target in _lookup(owner, scope):
        if target.kind == "class":
            found.extend(target.defs.get(attr, []))
    return found or _instance_methods(owner, attr, scope)


def _lookup(name: str, scope: Scope) -> list[Scope]:
    for s in scope.chain():
        if name in s.defs:
            return s.defs[name]
    return []


def _callable(targets: list[Scope]) -> list[Scope]:
    found: list[Scope] = []
    for target in targets:
        if target.kind == "class":
            for ctor in _CONSTRUCTORS:
                found.extend(target.defs.get(ctor, []))
        else:
            found.append(target)
    return found


def _enclosing_class(scope: Scope) -> Scope | None:
    current: Scope | None = scope
    while current is not None and current.kind != "class":
        current = current.parent
    return current


def _instance_methods(owner: str, attr: str, scope: Scope) -> list[Scope]:
    """`obj = Cls(); obj.run()`: the method of the class the variable was built from."""
    for s in scope.chain():
        values = s.assigns.get(owner)
        if values is None:
            continue
        found: list[Scope] = []
        for value in values:
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
                for target in _lookup(value.func.id, s):
                    if target.kind == "class":
                        found.extend(target.defs.get(attr, []))
        return found
    return []
