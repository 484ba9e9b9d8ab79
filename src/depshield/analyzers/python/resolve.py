"""Resolution of Python expressions to dotted names through imports, aliases and dynamic lookups."""

from __future__ import annotations

import ast
import builtins

from depshield.analyzers.python.fold import Folder
from depshield.analyzers.python.fold_calls import Folded
from depshield.analyzers.python.rules import IMPORT_FUNCS, KNOWN_ROOTS, is_known
from depshield.analyzers.python.scope import Scope

BUILTIN_NAMES = frozenset(dir(builtins)) | {
    "__builtins__",
    "execfile",
    "file",
    "unicode",
    "unichr",
    "raw_input",
    "reduce",
    "long",
    "basestring",
    "xrange",
    "apply",
    "reload",
}
# Namespaces whose attributes are the builtins themselves (py3, CPython module attr, py2).
_BUILTIN_PREFIXES = ("builtins.", "__builtins__.", "__builtin__.")
_MAX_DEPTH = 30
GLOBALS = "globals()"


def canonical(name: str) -> str:
    """`builtins.exec` / `__builtins__.exec` -> `exec`; `sys.modules.os` -> `os`."""
    for prefix in (*_BUILTIN_PREFIXES, "sys.modules."):
        while name.startswith(prefix) and not name.startswith("__dict__", len(prefix)):
            name = name[len(prefix) :]
    return name


class Resolver:
    """Answers "which dotted name is this expression?" and "which literal value is this?"."""

    def __init__(self, module: Scope) -> None:
        self.module = module
        self.folder = Folder(self)
        self.memo: dict[int, str | None] = {}

    def fold(self, node: ast.AST, scope: Scope) -> Folded | None:
        return self.folder.fold(node, scope)

    def fold_str(self, node: ast.AST, scope: Scope) -> Folded | None:
        return self.folder.fold_str(node, scope)

    def text(self, node: ast.AST, scope: Scope) -> str | None:
        got = self.folder.fold_str(node, scope)
        return got.value if got is not None and isinstance(got.value, str) else None

    def binding(self, name: str, scope: Scope) -> tuple[list[ast.expr | None], Scope] | None:
        for s in scope.chain():
            if name in s.imports or name in s.defs:
                return None
            if name in s.assigns:
                return s.assigns[name], s
        return None

    def qualname(self, node: ast.AST, scope: Scope, depth: int = 0) -> str | None:
        """Dotted name of `node` (`subprocess.run`, `exec`, `socket.socket().connect`) or None.

        Call results get a `()` suffix so methods of returned objects stay distinguishable.
        """
        key = id(node)
        if key in self.memo:
            return self.memo[key]
        if depth > _MAX_DEPTH:
            return None
        self.memo[key] = None  # cycle guard: `a = b; b = a`
        result = self._qualname(node, scope, depth + 1)
        self.memo[key] = result
        return result

    def _qualname(self, node: ast.AST, scope: Scope, depth: int) -> str | None:
        if isinstance(node, ast.Name):
            return self.name(node.id, scope, depth)
        if isinstance(node, ast.Attribute):
            base = self.qualname(node.value, scope, depth)
            return canonical(f"{base}.{node.attr}") if base else None
        if isinstance(node, ast.Call):
            return self.call(node, scope, depth)
        if isinstance(node, ast.Subscript):
            return self.subscript(node, scope, depth)
        return None

    def name(self, name: str, scope: Scope, depth: int) -> str | None:
        for s in scope.chain():
            if name in s.imports:
                return s.imports[name]
            if name in s.defs:
                return None  # a local def or class shadows builtins and imports
            if name in s.assigns:
                return self.assigned(s.assigns[name], s, depth)
        for s in scope.chain():
            for module in s.star_imports:
                if is_known(f"{module}.{name}"):
                    return f"{module}.{name}"
        if name in BUILTIN_NAMES:
            return name
        return name if name in KNOWN_ROOTS else None

    def assigned(self, values: list[ast.expr | None], scope: Scope, depth: int) -> str | None:
        """The one name all resolvable assignments agree on (flow-insensitive)."""
        found = {self.qualname(v, scope, depth) for v in values if v is not None}
        found.discard(None)
        return found.pop() if len(found) == 1 else None

    def call(self, node: ast.Call, scope: Scope, depth: int) -> str | None:
        func = self.qualname(node.func, scope, depth)
        if func is None:
            return None
        if func in IMPORT_FUNCS:
            return self.imported(func, node, scope)
        if func == "getattr" and len(node.args) >= 2:
            base = self.qualname(node.args[0], scope, depth)
            attr = self.text(node.args[1], scope)
            return canonical(f"{base}.{attr}") if base and attr else None
        if func == "vars" and len(node.args) == 1:
            base = self.qualname(node.args[0], scope, depth)
            return f"{base}.__dict__" if base else None
        if func in ("globals", "locals"):
            return GLOBALS
        return f"{func}()"

    def imported(self, func: str, node: ast.Call, scope: Scope) -> str | None:
        """The module `__import__(...)` / `import_module(...)` returns, when it folds."""
        if not node.args:
            return None
        module = self.text(node.args[0], scope)
        if not module or module.startswith("."):
            return None
        fromlist = len(node.args) >= 4 or any(k.arg == "fromlist" for k in node.keywords)
        if func == "__import__" and not fromlist:
            return module.split(".")[0]
        return module

    def subscript(self, node: ast.Subscript, scope: Scope, depth: int) -> str | None:
        """`__builtins__.__dict__['exec']`, `globals()['os']`, `sys.modules['os']`."""
        base = self.qualname(node.value, scope, depth)
        if base is None:
            return None
        key = self.text(node.slice, scope)
        if not key:
            return None
        if base == GLOBALS:
            return self.name(key, self.module, depth)
        if base.endswith(".__dict__"):
            return canonical(f"{base[: -len('.__dict__')]}.{key}")
        if base in ("__builtins__", "sys.modules"):
            return canonical(f"{base}.{key}")
        return None
