"""setup.py: command classes that run during `pip install` and the setup() call naming them."""

from __future__ import annotations

import ast

from depshield.analyzers.python.context import Ctx
from depshield.analyzers.python.family import RULES
from depshield.analyzers.python.scope import Scope, Site

# Commands pip runs while building or installing (PEP 517 via setuptools, legacy install,
# editable installs). `upload`, `test`, `clean`... only run when a developer asks.
INSTALL_TIME = frozenset(
    {
        "install",
        "develop",
        "egg_info",
        "build",
        "build_py",
        "build_ext",
        "build_clib",
        "build_scripts",
        "sdist",
        "bdist",
        "bdist_egg",
        "bdist_wheel",
        "install_lib",
        "install_scripts",
        "install_data",
        "install_headers",
        "install_egg_info",
        "dist_info",
        "editable_wheel",
        "easy_install",
    }
)
_FRAMEWORKS = ("setuptools", "distutils", "numpy.distutils", "wheel", "skbuild")


def _is_setup(name: str | None) -> bool:
    return bool(name) and name.split(".")[-1] == "setup" and name.startswith(_FRAMEWORKS)  # type: ignore[union-attr]


@RULES.rule("python.setup", reads="setup", emits={"installScripts"})
def check_setup(ctx: Ctx) -> None:
    """Mark install-time command classes and emit installScripts for them."""
    classes = _command_classes(ctx)
    referenced: set[Scope] = set()
    for site in ctx.index.calls:
        call = site.node
        assert isinstance(call, ast.Call)
        if not _is_setup(ctx.qualname(call.func, site.scope)):
            continue
        for key, value in _cmdclass(ctx, site, call):
            target = _class_scope(ctx, value, site.scope)
            if key not in INSTALL_TIME:
                continue
            if target is not None:
                target.install_command = True
                referenced.add(target)
            props = {"script": f"cmdclass:{key}", "source": "setup.py"}
            ctx.out.emit("installScripts", call, True, props, ("install", key))
    for scope, base in classes.items():
        if scope not in referenced and base in INSTALL_TIME:
            scope.install_command = True
            props = {"script": f"cmdclass:{base}", "source": "setup.py"}
            ctx.out.emit("installScripts", scope.node, True, props, ("install", scope))


def _command_classes(ctx: Ctx) -> dict[Scope, str]:
    """Classes deriving (directly or through a local class) from a setuptools command."""
    scopes = {s.node: s for s in ctx.index.scopes if s.kind == "class"}
    found: dict[Scope, str] = {}
    changed = True
    while changed:
        changed = False
        for cls, outer in ctx.index.classes:
            scope = scopes.get(cls)
            if scope is None or scope in found:
                continue
            base = _command_base(ctx, cls, outer, found)
            if base:
                found[scope] = base
                changed = True
    return found


def _command_base(ctx: Ctx, cls: ast.ClassDef, outer: Scope, found: dict[Scope, str]) -> str | None:
    for base in cls.bases:
        name = ctx.qualname(base, outer)
        if name and name.startswith(_FRAMEWORKS) and name.split(".")[-1] in INSTALL_TIME:
            return name.split(".")[-1]
        local = _class_scope(ctx, base, outer)
        if local is not None and local in found:
            return found[local]
    return None


def _class_scope(ctx: Ctx, node: ast.AST | None, scope: Scope) -> Scope | None:
    if not isinstance(node, ast.Name):
        return None
    for s in scope.chain():
        if node.id in s.defs:
            classes = [d for d in s.defs[node.id] if d.kind == "class"]
            return classes[-1] if classes else None
    return None


def _cmdclass(ctx: Ctx, site: Site, call: ast.Call) -> list[tuple[str, ast.expr | None]]:
    value = next((k.value for k in call.keywords if k.arg == "cmdclass"), None)
    return _entries(ctx, value, site.scope, 0) if value is not None else []


def _entries(
    ctx: Ctx, value: ast.AST, scope: Scope, depth: int
) -> list[tuple[str, ast.expr | None]]:
    """Keys and class expressions of a cmdclass value: a dict, dict(...), or a variable."""
    if depth > 3:
        return []
    if isinstance(value, ast.Dict):
        out: list[tuple[str, ast.expr | None]] = []
        for key, item in zip(value.keys, value.values, strict=True):
            name = ctx.resolver.text(key, scope) if key is not None else None
            if name:
                out.append((name, item))
            elif key is None:
                out.extend(_entries(ctx, item, scope, depth + 1))
        return out
    if isinstance(value, ast.Call):
        if ctx.qualname(value.func, scope) == "dict":
            return [(k.arg, k.value) for k in value.keywords if k.arg]
        return [e for a in value.args for e in _entries(ctx, a, scope, depth + 1)]
    if isinstance(value, ast.Name):
        found = ctx.resolver.binding(value.id, scope)
        if found is not None:
            return [
                e for v in found[0] if v is not None for e in _entries(ctx, v, found[1], depth + 1)
            ]
    return []
