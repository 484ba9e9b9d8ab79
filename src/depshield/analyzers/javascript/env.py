"""process.env and module internals: envVars, secret and whole-environment sources, debugAccess."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from depshield.analyzers.base import SIGNAL_SOURCE
from depshield.analyzers.javascript.catalog import (
    ENV_ALL_CALLS,
    SHELL_MODULES,
    SPAWN_OPTION_KEYS,
    is_secret_env,
)
from depshield.analyzers.javascript.family import ENV_TYPES, RULES
from depshield.analyzers.javascript.resolve import GLOBAL, Ref

if TYPE_CHECKING:
    from tree_sitter import Node

    from depshield.analyzers.javascript.context import JsContext

MAX_DATA_NODES = 200
MAX_CLIMB = 12
_SEE_THROUGH = frozenset({"parenthesized_expression", "ternary_expression", "binary_expression"})
_ENV_NAME = re.compile(r"env", re.IGNORECASE)
_SELECTORS = frozenset({"filter", "find", "some", "every", "includes", "indexOf"})
_VAR_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_DEBUG_PROCESS = frozenset({"binding", "_linkedBinding", "dlopen"})


def is_env(ref: Ref | None) -> bool:
    return ref is not None and ref.base == "process" and ref.path == ("env",)


@RULES.rule(
    "javascript.member", reads="members", emits=ENV_TYPES | {"debugAccess", "obfuscatedRequire"}
)
def on_member(ctx: JsContext, node: Node) -> None:
    """A member access the query picked out: env reads, module internals, hidden `require`."""
    ref = ctx.resolver.resolve(node)
    if ref is None:
        return
    if ref.base == "process" and ref.path[:1] == ("env",):
        if len(ref.path) == 1:
            _env_object(ctx, node)
        elif len(ref.path) == 2:
            env_read(ctx, node, ref.path[1])
        return
    if _internal(ref):
        base = ref.base if ref.base != GLOBAL else "module"
        ctx.emit("debugAccess", node, {"module": base, "api": ctx.evidence(node)[:60]}, key=base)
    if ref.computed and ref.is_(GLOBAL, "require"):
        ctx.emit("obfuscatedRequire", node, {"module": None, "how": "computed-require"})


def _internal(ref: Ref) -> bool:
    """process.binding, Module internals (module.constructor, Module._load, _compile)."""
    if ref.base == "process":
        return bool(ref.path) and ref.path[0] in _DEBUG_PROCESS
    if ref.base == GLOBAL:
        return ref.path[:2] in (("module", "_compile"), ("module", "_load"))
    return ref.base == "module"


def env_read(ctx: JsContext, node: Node, name: str | None) -> None:
    ctx.out.env_read(name, ctx.finding("envVars", node))
    if name and is_secret_env(name):
        ctx.emit(SIGNAL_SOURCE, node, {"kind": "secret-env", "detail": name}, key=name)


def env_all(ctx: JsContext, node: Node) -> None:
    ctx.emit(SIGNAL_SOURCE, node, {"kind": "env-all", "detail": ctx.evidence(node)})


def _env_object(ctx: JsContext, node: Node) -> None:
    """`process.env` itself: a read of one variable, or the whole environment used as data."""
    parent = node.parent
    if parent is None:
        return
    if parent.type == "member_expression" and parent.child_by_field_name("object") == node:
        prop = parent.child_by_field_name("property")
        env_read(ctx, parent, ctx.text(prop) if prop is not None else None)
        return
    if parent.type == "subscript_expression" and parent.child_by_field_name("object") == node:
        index = parent.child_by_field_name("index")
        folded = ctx.folder.fold(index) if index is not None else None
        env_read(ctx, parent, folded.value if folded is not None else None)
        return
    env_read(ctx, node, None)
    # `{...process.env}` copies the environment; `{env: process.env}` only counts once that
    # object is stringified or sent (see env_like), as module.exports = {env: ...} is common.
    if parent.type == "spread_element":
        holder = parent.parent
        if holder is not None and not feeds_spawn_env(ctx, holder):
            env_all(ctx, holder)


def feeds_spawn_env(ctx: JsContext, holder: Node) -> bool:
    """True when an object (or Object.assign) built from process.env is an environment for a
    child process: `spawn(c, {env: {...process.env, X: 1}})`, `const env = {...}; exec(c, {env})`,
    `function mergeEnv(e) { return {...process.env, ...e} }`. Copies sent out are still caught
    where they are used (`JSON.stringify(copy)`, a network call's data)."""
    if holder.type == "object" and _environment_shaped(ctx, holder):
        return True
    up = holder.parent
    for _ in range(MAX_CLIMB):
        if up is None or up.type not in _SEE_THROUGH:
            break
        up = up.parent
    if up is None:
        return False
    if up.type == "pair":
        key = up.child_by_field_name("key")
        return key is not None and ctx.text(key).strip("'\"") == "env"
    if up.type == "arguments" and up.parent is not None:
        callee = up.parent.child_by_field_name("function")
        ref = ctx.resolver.resolve(callee) if callee is not None else None
        return ref is not None and ref.base in SHELL_MODULES
    if up.type in ("variable_declarator", "assignment_expression"):
        target = up.child_by_field_name("name") or up.child_by_field_name("left")
        name = ctx.text(target) if target is not None else ""
        return name in ctx.env_option_names() or bool(_ENV_NAME.search(name))
    if up.type in ("return_statement", "arrow_function"):
        return bool(_ENV_NAME.search(_function_name(ctx, up)))
    return False


def _environment_shaped(ctx: JsContext, obj: Node) -> bool:
    """Spawn options (`{env, cwd, stdio}`), or an environment being merged: several spreads,
    or extra keys that are all variable names (`{...process.env, NODE_ENV: 'test'}`)."""
    keys = {ctx.text(k).strip("'\"") for k in _keys(obj)}
    if keys and keys <= SPAWN_OPTION_KEYS:
        return True
    spreads = sum(1 for c in obj.named_children if c.type == "spread_element")
    return spreads >= 2 or (bool(keys) and all(_VAR_NAME.match(k) for k in keys))


def _function_name(ctx: JsContext, node: Node) -> str:
    """The name of the function around `node` (declared, or the variable holding it)."""
    cur: Node | None = node
    for _ in range(MAX_CLIMB):
        if cur is None:
            return ""
        if cur.type in ("function_declaration", "method_definition"):
            name = cur.child_by_field_name("name")
            return ctx.text(name) if name is not None else ""
        if cur.type == "variable_declarator":
            name = cur.child_by_field_name("name")
            return ctx.text(name) if name is not None else ""
        cur = cur.parent
    return ""


def _keys(obj: Node) -> list[Node]:
    keys = []
    for child in obj.named_children:
        if child.type == "pair":
            key = child.child_by_field_name("key")
            if key is not None:
                keys.append(key)
        elif child.type == "shorthand_property_identifier":
            keys.append(child)
    return keys


def env_all_call(ctx: JsContext, call: Node, name: str) -> None:
    """JSON.stringify(process.env), Object.keys(env)...: the whole environment is read."""
    if name not in ENV_ALL_CALLS:
        return
    for i, arg in enumerate(ctx.args(call)):
        if not env_like(ctx, arg):
            continue
        if name == "Object.assign" and (i == 0 or feeds_spawn_env(ctx, call)):
            continue  # Object.assign(process.env, x) writes; copies for a child are benign
        if name.startswith("Object.") and _selects(ctx, call):
            continue  # Object.keys(process.env).filter(k => /^DEBUG_/.test(k)) picks a few
        env_all(ctx, call)


def _selects(ctx: JsContext, call: Node) -> bool:
    """`Object.keys(process.env).filter(...)` (through reverse/sort/map): a few are picked."""
    cur = call
    for _ in range(4):
        parent = cur.parent
        if parent is None or parent.type != "member_expression":
            return False
        prop = parent.child_by_field_name("property")
        name = ctx.text(prop) if prop is not None else ""
        if name in _SELECTORS:
            return True
        if name not in ("reverse", "sort", "map") or parent.parent is None:
            return False
        cur = parent.parent
    return False


def env_in_data(ctx: JsContext, call: Node, name: str) -> None:
    """process.env anywhere in the data a network call sends, through two variables."""
    stack: list[tuple[Node, int]] = [(a, 2) for a in ctx.args(call)]
    budget = MAX_DATA_NODES
    while stack and budget > 0:
        budget -= 1
        cur, hops = stack.pop()
        if cur.type in ("identifier", "member_expression", "subscript_expression", "object"):
            if env_like(ctx, cur):
                env_all(ctx, call)
                return
            ref = ctx.resolver.resolve(cur) if cur.type != "object" else None
            if ref is not None and ref.base == "process":
                continue
        if cur.type in ("function_expression", "arrow_function"):
            continue  # callbacks are not data
        if cur.type == "identifier" and hops > 0:
            binding = ctx.bindings.lookup(ctx.text(cur), cur.start_byte)
            if binding is not None and binding.value is not None and not binding.path:
                stack.append((binding.value, hops - 1))
            continue
        stack.extend((c, hops) for c in cur.named_children)


def env_like(ctx: JsContext, node: Node) -> bool:
    """process.env, or an object literal or variable holding it or a copy of it
    (`{...process.env}`, `{env: process.env}`, Object.assign({}, process.env))."""
    if is_env(ctx.resolver.resolve(node)):
        return True
    value: Node | None = node
    if node.type == "identifier":
        binding = ctx.bindings.lookup(ctx.text(node), node.start_byte)
        value = binding.value if binding is not None and not binding.path else None
    if value is None:
        return False
    parts: list[Node | None]
    if value.type == "object":
        parts = [
            c.named_child(0) if c.type == "spread_element" else c.child_by_field_name("value")
            for c in value.named_children
            if c.type in ("spread_element", "pair")
        ]
    elif value.type == "call_expression" and ctx.text(value).startswith("Object.assign("):
        parts = [*ctx.args(value)]
    else:
        return False
    return any(p is not None and is_env(ctx.resolver.resolve(p)) for p in parts)


@RULES.rule("javascript.spread", reads="spread", emits=ENV_TYPES)
def on_spread(ctx: JsContext, node: Node) -> None:
    """`{...env}` through an alias (`{...process.env}` itself is seen as a member)."""
    arg = node.named_child(0)
    if arg is None or arg.type != "identifier" or not is_env(ctx.resolver.resolve(arg)):
        return
    env_read(ctx, arg, None)
    holder = node.parent
    if holder is not None and holder.type == "object" and not feeds_spawn_env(ctx, holder):
        env_all(ctx, holder)


@RULES.rule("javascript.for-in", reads="forin", emits=ENV_TYPES)
def on_for_in(ctx: JsContext, node: Node) -> None:
    right = node.child_by_field_name("right")
    if right is not None and is_env(ctx.resolver.resolve(right)):
        env_read(ctx, right, None)
        env_all(ctx, node)


@RULES.rule("javascript.declaration", reads="decl", emits=ENV_TYPES)
def on_declaration(ctx: JsContext, decl: Node) -> None:
    """`const {NPM_TOKEN, HOME} = process.env` reads those variables."""
    target, value = decl.child_by_field_name("name"), decl.child_by_field_name("value")
    if target is None or value is None or target.type != "object_pattern":
        return
    if not is_env(ctx.resolver.resolve(value)):
        return
    for part in target.named_children:
        key = part.child_by_field_name("key") if part.type == "pair_pattern" else part
        if part.type == "object_assignment_pattern":
            key = part.child_by_field_name("left")
        if key is not None and key.type in (
            "shorthand_property_identifier_pattern",
            "property_identifier",
            "string",
        ):
            env_read(ctx, decl, ctx.text(key).strip("'\""))
