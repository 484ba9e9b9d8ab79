"""The state shared by the Python rules while one module (or one exec'd string) is analysed."""

from __future__ import annotations

import ast
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from depshield.analyzers.python.emit import Emitter
from depshield.analyzers.python.paths import PathText
from depshield.analyzers.python.resolve import Resolver
from depshield.analyzers.python.scope import Index, Scope, Site
from depshield.model import Override

# Capability findings are de-duplicated per module and function so that a library with a
# hundred `requests.get` calls yields one networkAccess per function, not a hundred.
CAPABILITIES = frozenset({"networkAccess", "shellAccess", "filesystemAccess", "debugAccess"})


@dataclass(frozen=True, slots=True)
class Event:
    """A step of a multi-call pattern (download, write, spawn, connect, dup2) in one scope."""

    site: Site
    tokens: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()  # write-data: decoded / downloaded / embedded


@dataclass
class Ctx:
    file: str
    index: Index
    resolver: Resolver
    out: Emitter
    is_setup: bool
    depth: int = 0  # nesting of exec'd strings being analysed
    events: dict[Scope, dict[str, list[Event]]] = field(default_factory=dict)
    hints: dict[str, tuple[ast.AST, bool]] = field(default_factory=dict)  # obfuscation hints
    # Analyses code found in a string (exec'd text, `python -c`); set by python/analysis.py.
    nested: Callable[[Ctx, str, Site, str], None] | None = None
    source: str = ""  # the module's text (python.obfuscation reads it)
    paths: PathText = field(init=False)

    def __post_init__(self) -> None:
        self.paths = PathText(self.resolver)

    def top(self, site: Site) -> bool:
        return site.scope.runs_on_load and not site.guarded

    def qualname(self, node: ast.AST, scope: Scope) -> str | None:
        return self.resolver.qualname(node, scope)

    def emit(
        self,
        type_: str,
        site: Site,
        props: Mapping[str, Any] | None = None,
        node: ast.AST | None = None,
        key: Hashable = None,
        override: Override | None = None,
    ) -> None:
        """Emit at `node` (default: the site's node); capabilities de-duplicate per function."""
        props = dict(props or {})
        top = self.top(site)
        if type_ in CAPABILITIES and key is None:
            key = ("cap", props.get("module"), top, site.scope.name)
        elif type_.startswith("signal:"):
            props.setdefault("scope", site.scope.name)
        if key is None:
            at = node if node is not None else site.node
            key = (getattr(at, "lineno", 0), repr(sorted(props.items())))
        self.out.emit(type_, node if node is not None else site.node, top, props, key, override)

    def event(
        self,
        kind: str,
        site: Site,
        tokens: frozenset[str] = frozenset(),
        flags: frozenset[str] = frozenset(),
    ) -> None:
        event = Event(site, tokens, flags)
        self.events.setdefault(site.scope, {}).setdefault(kind, []).append(event)

    def hint(self, reason: str, node: ast.AST, top: bool) -> None:
        self.hints.setdefault(reason, (node, top))


def kwarg(call: ast.Call, *names: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in names:
            return keyword.value
    return None


def arg(call: ast.Call, index: int, *names: str) -> ast.expr | None:
    """Positional argument `index`, or the keyword argument called one of `names`."""
    if len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return kwarg(call, *names)


def tokens_of(nodes: list[ast.AST], ctx: Ctx, scope: Scope) -> frozenset[str]:
    """Variable names and literal path-like strings in call arguments, to link calls together."""
    found: set[str] = set()
    for node in nodes:
        for sub in ast.walk(node) if _small(node) else ():
            if isinstance(sub, ast.Name):
                if sub.id != "self" and not any(sub.id in s.imports for s in scope.chain()):
                    found.add(sub.id)
                    found.update(_assigned_strings(sub.id, ctx, scope))
            elif isinstance(sub, ast.Constant) and _path_like(sub.value):
                found.add(str(sub.value))
        text = ctx.paths.text(node, scope)
        if text:
            found.add(text)
    return frozenset(found)


def _assigned_strings(name: str, ctx: Ctx, scope: Scope) -> list[str]:
    """Every literal a variable is assigned (`f = 'a.txt'` ... `f = 'b.txt'`), at most five,
    and the handle a file name was taken from (`path = tmp.name` links to `tmp`)."""
    binding = ctx.resolver.binding(name, scope)
    if binding is None:
        return []
    values, owner = binding
    texts = [ctx.resolver.text(v, owner) for v in values[:5] if v is not None]
    handles = [
        v.value.id
        for v in values[:5]
        if isinstance(v, ast.Attribute) and v.attr == "name" and isinstance(v.value, ast.Name)
    ]
    return [t for t in texts if t and _path_like(t)] + handles


def _path_like(text: object) -> bool:
    """`a.exe`, `/tmp/x`, `C:\\x`: strings that can name a file (not `build` or `-v`)."""
    if not isinstance(text, str):
        return False
    return 3 < len(text) < 300 and ("/" in text or "\\" in text or "." in text.strip("."))


def _small(node: ast.AST, limit: int = 200) -> bool:
    return all(count < limit for count, _ in enumerate(ast.walk(node)))
