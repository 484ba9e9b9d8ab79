"""Whole-file signs of deliberate Python obfuscation (PyArmor, lambda soup, confusable names)."""

from __future__ import annotations

import ast
import re

from depshield.analyzers.python.context import Ctx

_PYARMOR = re.compile(
    r"__pyarmor__|pyarmor_runtime|__armor_enter__|__armor_wrap__"
    r"|\bfrom pytransform import\b|\bimport pytransform\b"
)
_ENCODED_BLOB = 0.9
_HIDDEN_BUILTIN = 0.75
_LAMBDA_SOUP = 0.8
_SHUFFLE = 0.85  # Hyperion-style: `Theory, Add, Square = exec, str, tuple`
_LONG_NAMES = 0.8
_IMPORT_SOUP = 0.8  # `__import__('builtins').exec(__import__('zlib').decompress(...))`
# `__NO_NO__NO_NO...` or `lIlIIlIl...` of 100+ characters; long generated names (API types,
# schema validators) are made of words, so they use many more distinct characters.
_ABSURD_NAME = 100
# Minimum number of distinct confusable identifiers before their share counts at all.
_MIN_CONFUSABLE = 8


def is_confusable(name: str) -> bool:
    """`O0O0OO0`, `lIlIIl`, `____`, `_0x1a2b`: names chosen to be unreadable."""
    core = name.strip("_")
    if not core:
        return len(name) >= 3
    if name.startswith("_0x") and all(c in "0123456789abcdefABCDEF" for c in name[3:]):
        return len(name) >= 6
    if len(core) < 4:
        return False
    chars = set(core)
    return (chars <= set("O0o") and "0" in chars and "O" in chars) or (
        chars <= set("Il1") and len(chars) >= 2
    )


def check_obfuscation(ctx: Ctx, text: str) -> None:
    """Emit one obfuscatedFile finding with the strongest sign found, if any."""
    best: tuple[float, str, ast.AST | None, bool] | None = None
    for confidence, reason, node, top in _signs(ctx, text):
        if best is None or confidence > best[0]:
            best = (confidence, reason, node, top)
    if best is None:
        return
    confidence, reason, node, top = best
    props = {"confidence": round(confidence, 2), "reason": reason}
    if node is None:
        line = _first_line(text, reason)
        snippet = ctx.out.lines[line - 1].strip()[:120] if ctx.out.lines else ""
        ctx.out.add("obfuscatedFile", line, 1, snippet, top, props, ("obfuscated",))
    else:
        ctx.out.emit("obfuscatedFile", node, top, props, ("obfuscated",))
    _hidden_exec(ctx, reason, node, top)


def _hidden_exec(ctx: Ctx, reason: str, node: ast.AST | None, top: bool) -> None:
    """An unreadable file that hands computed text to exec/eval/compile: code hidden from
    review and run (BlankOBF, Hyperion, lambda-chain droppers). PyArmor is left out: its
    protected modules run through its own runtime, not through exec of decoded text."""
    if reason == "pyarmor":
        return
    if "dynamic-exec" in ctx.hints:
        exec_node, exec_top = ctx.hints["dynamic-exec"]
    else:
        aliased = _aliased_exec(ctx)
        if aliased is None:
            return
        exec_node, exec_top = aliased, top
    props = {"pattern": "obfuscated-exec", "reason": reason, "sink": "exec", "embedded": True}
    # Anchored at the exec when the sign is file-wide, so the alert points at code that runs.
    where = exec_node if node is None else node
    ctx.out.emit("encodedPayloadExecution", where, top or exec_top, props, ("obfuscated-exec",))


_EXEC_BUILTINS = frozenset({"exec", "eval", "compile"})


def _aliased_exec(ctx: Ctx) -> ast.AST | None:
    """`self._run = eval` or `(..., eval, ...)` stored or passed as a value: in an unreadable
    file, exec handed on under another name is the call the obfuscator hides (Kramer-style
    classes that decode hex chunks and run them through an attribute)."""
    called = {
        id(n.func)
        for n in ast.walk(ctx.index.module.node)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    for node in ast.walk(ctx.index.module.node):
        if (
            isinstance(node, ast.Name)
            and node.id in _EXEC_BUILTINS
            and isinstance(node.ctx, ast.Load)
            and id(node) not in called
            and node.id not in ctx.index.module.assigns
        ):
            return node
    return None


def pyarmor_line(text: str) -> int | None:
    """Line of the first PyArmor marker, for files only the fallback could read."""
    match = _PYARMOR.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _first_line(text: str, reason: str) -> int:
    match = _PYARMOR.search(text) if reason == "pyarmor" else None
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _signs(ctx: Ctx, text: str) -> list[tuple[float, str, ast.AST | None, bool]]:
    signs: list[tuple[float, str, ast.AST | None, bool]] = []
    if _PYARMOR.search(text):
        signs.append((0.95, "pyarmor", None, True))
    if "encoded-blob" in ctx.hints:
        node, top = ctx.hints["encoded-blob"]
        signs.append((_ENCODED_BLOB, "exec of an encoded blob", node, top))
    if "spelled-name" in ctx.hints:
        node, top = ctx.hints["spelled-name"]
        signs.append((_HIDDEN_BUILTIN, "module name spelled letter by letter", node, top))
    if "hidden-builtin" in ctx.hints:
        node, top = ctx.hints["hidden-builtin"]
        signs.append((_HIDDEN_BUILTIN, "builtin reached through a computed name", node, top))
    if ctx.index.builtin_shuffles:
        node = ctx.index.builtin_shuffles[0]
        signs.append((_SHUFFLE, "builtins renamed in bulk", node, True))
    if any(len(n) >= _ABSURD_NAME and len(set(n)) <= 4 for n in ctx.index.identifiers):
        signs.append((_LONG_NAMES, "long repetitive identifiers", None, True))
    imported = _import_soup(ctx)
    if imported is not None:
        signs.append((_IMPORT_SOUP, "__import__ soup", imported, True))
    soup = _lambda_soup(ctx)
    if soup is not None:
        signs.append((_LAMBDA_SOUP, "lambda soup", soup, True))
    names = _confusable_share(ctx)
    if names is not None:
        signs.append((names, "confusable identifiers", None, True))
    return signs


def _lambda_soup(ctx: Ctx) -> ast.AST | None:
    """`_ = lambda __: __import__('zlib').decompress(__[::-1])` and friends."""
    odd = [
        (name, node)
        for name, node in ctx.index.named_lambdas
        if is_confusable(name) or name.strip("_") == ""
    ]
    if not odd:
        return None
    loads_import = any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "__import__"
        for _, lam in odd
        for n in ast.walk(lam)
    )
    return odd[0][1] if len(odd) >= 3 or loads_import else None


def _import_soup(ctx: Ctx) -> ast.AST | None:
    """Calls made straight on `__import__(...)` results, several times, reaching exec/eval."""
    soup: list[ast.Call] = []
    for site in ctx.index.calls:
        call = site.node
        assert isinstance(call, ast.Call)
        root = call.func
        while isinstance(root, ast.Attribute):
            root = root.value
        if root is not call.func and isinstance(root, ast.Call) and _is_dunder_import(root):
            soup.append(call)
    if len(soup) < 3:
        return None
    reaches_exec = any(
        isinstance(c.func, ast.Attribute) and c.func.attr in ("exec", "eval", "compile")
        for c in soup
    )
    return soup[0] if reaches_exec or len(soup) >= 6 else None


def _is_dunder_import(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Name) and call.func.id == "__import__"


def _confusable_share(ctx: Ctx) -> float | None:
    names = ctx.index.identifiers
    odd = sum(1 for n in names if is_confusable(n))
    if odd < _MIN_CONFUSABLE:
        return None
    share = odd / max(len(names), 1)
    if share < 0.25:
        return None
    return min(0.95, 0.6 + 0.4 * share)
