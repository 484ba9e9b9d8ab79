"""Runs every Python rule over one parsed module, and over code hidden in its strings."""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterable

from depshield.analyzers import strings
from depshield.analyzers.base import SIGNAL_SINK, SIGNAL_SOURCE
from depshield.analyzers.python import calls, env, flow, imports, secrets, setup  # noqa: F401
from depshield.analyzers.python.context import Ctx
from depshield.analyzers.python.emit import Emitter
from depshield.analyzers.python.family import RULES
from depshield.analyzers.python.obfuscation import check_obfuscation
from depshield.analyzers.python.reach import mark_runs_on_load
from depshield.analyzers.python.resolve import Resolver
from depshield.analyzers.python.scope import Index, Site, build_index
from depshield.analyzers.rule import Rule
from depshield.analyzers.strings import LITERAL_TYPES

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
    ctx.source = text
    if is_setup:
        _run(ctx, RULES.reading("setup"))
    mark_runs_on_load(index)
    _run(ctx, [r for r in RULES if r.reads in _SITES or r.reads == "module"])
    return index


_SITES = {
    "constant": lambda index: index.constants,
    "call": lambda index: index.calls,
    "subscript": lambda index: index.subscripts,
    "frame": lambda index: index.frames,
}


def _run(ctx: Ctx, rules: Iterable[Rule]) -> None:
    """Each rule over every site of the kind it reads ("module"/"setup": once), in order."""
    for rule in rules:
        with ctx.out.rule(rule):
            if rule.reads in _SITES:
                for site in _SITES[rule.reads](ctx.index):
                    rule.fn(ctx, site)
            else:
                rule.fn(ctx)


@RULES.rule("python.literal", reads="constant", emits=LITERAL_TYPES)
def _literal(ctx: Ctx, site: Site) -> None:
    """Every string literal through the shared literal scan (strings.scan_literal)."""
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


@RULES.rule("python.frame", reads="frame", emits={"debugAccess"})
def _frame(ctx: Ctx, site: Site) -> None:
    """Frame objects (`f_back`, `f_globals`...) read: code inspecting its callers."""
    ctx.emit("debugAccess", site, {"module": "frame"})


@RULES.rule(
    "python.obfuscation", reads="module", emits={"obfuscatedFile", "encodedPayloadExecution"}
)
def _obfuscation(ctx: Ctx) -> None:
    """Obfuscation tells of the file as written (not of code nested in its strings)."""
    if ctx.depth == 0:
        check_obfuscation(ctx, ctx.source)


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
