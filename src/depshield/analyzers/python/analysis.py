"""Runs every Python rule over one parsed module, and over code hidden in its strings."""

from __future__ import annotations

import ast
import warnings

from depshield.analyzers import strings
from depshield.analyzers.base import SIGNAL_SINK, SIGNAL_SOURCE
from depshield.analyzers.python.calls import check_call
from depshield.analyzers.python.context import Ctx
from depshield.analyzers.python.emit import Emitter
from depshield.analyzers.python.env import check_environ
from depshield.analyzers.python.flow import correlate
from depshield.analyzers.python.imports import check_subscript
from depshield.analyzers.python.obfuscation import check_obfuscation
from depshield.analyzers.python.reach import mark_runs_on_load
from depshield.analyzers.python.resolve import Resolver
from depshield.analyzers.python.scope import Index, Site, build_index
from depshield.analyzers.python.secrets import check_autostart, check_bot_tokens
from depshield.analyzers.python.setup import check_setup

# exec'd strings are analysed as code up to this depth and size (a decoded stage may hold
# another encoded stage; three layers cover the droppers seen in the wild).
MAX_NESTING = 3
MAX_NESTED_SOURCE = 1_000_000


def parse(text: str) -> ast.Module:
    """ast.parse without the SyntaxWarnings that invalid escapes in old code produce."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


def analyze_tree(
    tree: ast.Module, out: Emitter, is_setup: bool, text: str, depth: int = 0
) -> Index:
    """Emit findings for `tree` into `out`; return the index (for imports and statistics)."""
    index = build_index(tree, main_guard_runs=is_setup)
    ctx = Ctx(out.file, index, Resolver(index.module), out, is_setup, depth, nested=_nested)
    if is_setup:
        check_setup(ctx)
    mark_runs_on_load(index)
    for site in index.constants:
        _literal(ctx, site)
    for site in index.calls:
        check_call(ctx, site)
    for site in index.subscripts:
        check_subscript(ctx, site)
    for site in index.frames:
        ctx.emit("debugAccess", site, {"module": "frame"})
    check_environ(ctx)
    correlate(ctx)
    check_bot_tokens(ctx)
    check_autostart(ctx)
    if depth == 0:
        check_obfuscation(ctx, text)
    return index


def _literal(ctx: Ctx, site: Site) -> None:
    node = site.node
    assert isinstance(node, ast.Constant)
    value = node.value
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    if isinstance(text, str) and text:
        line = getattr(node, "lineno", 1)
        found = strings.scan_literal(text, ctx.file, line, ctx.top(site))
        if _docstring(site):
            # Documentation names endpoints and paths (`https://webhook.site` in an API's
            # example) that no code sends to or reads: no correlation signals from it.
            found = [f for f in found if f.type not in (SIGNAL_SINK, SIGNAL_SOURCE)]
        ctx.out.extend(found)


_DOCUMENTED = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def _docstring(site: Site) -> bool:
    parents = site.parents
    if len(parents) < 2 or not isinstance(parents[-1], ast.Expr):
        return False
    owner = parents[-2]
    return isinstance(owner, _DOCUMENTED) and bool(owner.body) and owner.body[0] is parents[-1]


def _nested(ctx: Ctx, code: str, site: Site, via: str) -> None:
    """Analyse a string that is run as Python (exec, eval, `python -c`) as code of its own."""
    if ctx.depth + 1 >= MAX_NESTING or len(code) > MAX_NESTED_SOURCE:
        return
    try:
        tree = parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    line = getattr(site.node, "lineno", 1)
    out = ctx.out.nested(line, ctx.top(site), {"via": via})
    analyze_tree(tree, out, False, code, ctx.depth + 1)
