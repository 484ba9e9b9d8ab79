"""Module loads: import/export-from/require/import(), relative imports, dynamic and hidden names."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from depshield.analyzers.base import SIGNAL_EXEC, SIGNAL_PACKAGE
from depshield.analyzers.javascript import text as js_text
from depshield.analyzers.javascript.catalog import NODE_BUILTINS, capability_of
from depshield.analyzers.javascript.exec import decoder_function, find_decode
from depshield.analyzers.javascript.family import LOAD_TYPES, RULES
from depshield.analyzers.javascript.resolve import GLOBAL, Ref, module_name, package_of

if TYPE_CHECKING:
    from tree_sitter import Node

    from depshield.analyzers.javascript.context import JsContext
    from depshield.analyzers.javascript.fold import Folded

# Calls in a require argument that decode a name, even when the input is not constant.
DECODERS = frozenset(
    {"atob", "fromCharCode", "unescape", "decodeURIComponent", "reverse", "from", "toString"}
)
SENSITIVE_MODULES = frozenset({"os", "crypto", "zlib", "worker_threads", "cluster", "process"})
_OBFUSCATED_NAME = re.compile(r"^_0x[0-9a-f]+$|^_\$_", re.IGNORECASE)
_ENCODED_ARG = re.compile(r"^(0x[0-9a-f]+|[0-9a-f]{6,})$", re.IGNORECASE)


def is_relative(spec: str) -> bool:
    return spec in (".", "..") or spec.startswith(("./", "../"))


def source_of(stmt: Node) -> Node | None:
    """The module string of an import/export statement (TS `import x = require()` too)."""
    src = stmt.child_by_field_name("source")
    if src is not None:
        return src
    for clause in stmt.named_children:
        if clause.type == "import_require_clause":
            return clause.child_by_field_name("source")
    return None


def spec_of(ctx: JsContext, string: Node) -> str | None:
    return js_text.literal_value(string, ctx.source)


@RULES.rule("javascript.import", reads="import", emits=LOAD_TYPES)
def on_static_import(ctx: JsContext, stmt: Node) -> None:
    """`import ... from 'm'`, `export ... from 'm'`: imports list and module capability."""
    src = source_of(stmt)
    spec = spec_of(ctx, src) if src is not None else None
    if spec is None or type_only(stmt):
        return
    loaded(ctx, stmt, module_name(spec))


def type_only(stmt: Node) -> bool:
    """TypeScript `import type {X} from './x'` / `export type {X} from`: erased when compiled."""
    return any(child.type == "type" for child in stmt.children[:3])


_PACKAGE_NAME = re.compile(r"(?:@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*")  # npm names, lower case


def loaded(ctx: JsContext, node: Node, module: str) -> None:
    """A module is loaded at `node`: remember relative files, report capability modules."""
    if is_relative(module):
        ctx.imports.setdefault(module)
        if not optional_load(ctx, node):
            ctx.unguarded.add(module)
        return
    capability = capability_of(module)
    if capability is not None:
        ctx.emit(capability, node, {"module": module}, key=module)
    package = package_of(module)
    if package not in NODE_BUILTINS and _PACKAGE_NAME.fullmatch(package):
        ctx.emit(SIGNAL_PACKAGE, node, {"package": package}, key=package)


MAX_GUARD_DEPTH = 64  # syntax levels climbed looking for the enclosing try


def optional_load(ctx: JsContext, node: Node) -> bool:
    """`node` is a load the file can do without, in the same function: inside the block of a
    `try` that has a `catch` (an optional build, a fallback binding), or in a branch chosen by
    an environment variable (`process.env.X_COV ? require('./lib-cov') : require('./lib')`,
    a coverage or debug build that is not published)."""
    child, parent = node, node.parent
    for _ in range(MAX_GUARD_DEPTH):
        if parent is None or parent.type in _FUNCTION_NODES:
            return False
        if parent.type == "try_statement" and parent.child_by_field_name("handler") is not None:
            body = parent.child_by_field_name("body")
            if body is not None and body.start_byte <= child.start_byte < body.end_byte:
                return True
        if parent.type in ("ternary_expression", "if_statement"):
            test = parent.child_by_field_name("condition")
            if (
                test is not None
                and test != child
                and b"process.env" in ctx.source[test.start_byte : test.end_byte]
            ):
                return True
        child, parent = parent, parent.parent
    return False


_FUNCTION_NODES = frozenset(
    {
        "function_declaration",
        "function_expression",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
        "generator_function",
    }
)


def on_load_call(ctx: JsContext, call: Node, loader: Ref) -> None:
    """`require(x)` / `import(x)`: literal, computed (obfuscated) or unknown (dynamic)."""
    args = ctx.args(call)
    if not args:
        return
    folded = ctx.folder.fold(args[0])
    if _data_url(ctx, call, args[0], folded):
        return
    if loader.computed and not _bundler_escape(ctx, call):
        ctx.emit(
            "obfuscatedRequire",
            call,
            {"module": folded.value if folded else None, "how": "computed-require"},
        )
    if folded is None:
        if _decoded_arg(ctx, args[0]):
            ctx.emit("obfuscatedRequire", call, {"module": None, "how": "decoded"})
        else:
            ctx.emit("dynamicRequire", call, {"expression": ctx.evidence(args[0])})
        return
    if folded.how == "concat":
        folded = _builtin_prefixed(ctx, args[0]) or folded
    module = module_name(folded.value)
    if folded.how == "decode" or (folded.how == "concat" and _sensitive(module)):
        ctx.emit("obfuscatedRequire", call, {"module": module, "how": folded.how})
    elif folded.how == "concat":  # require('./locale/' + 'en'), require('u' + 'rl') for bundlers
        ctx.emit("dynamicRequire", call, {"expression": ctx.evidence(args[0])})
    loaded(ctx, call, module)


# `eval("require")(x)`, `(0, eval)('require')(x)`: the require a bundler must leave alone
# (webpack would otherwise inline or stub it). The loader is named in plain text.
_EVAL_REQUIRE = re.compile(r"^(?:\(0,eval\)|eval)\((['\"`])require\1\)$")


def _bundler_escape(ctx: JsContext, call: Node) -> bool:
    callee = call.child_by_field_name("function")
    if callee is None or callee.end_byte - callee.start_byte > 40:
        return False
    return _EVAL_REQUIRE.match(re.sub(r"\s+", "", ctx.text(callee))) is not None


def _data_url(ctx: JsContext, call: Node, arg: Node, folded: Folded | None) -> bool:
    """`import('data:text/javascript;base64,...')` runs the code the URL carries."""
    head = folded.value if folded is not None else ctx.text(arg).lstrip("`'\"")
    if not head.startswith("data:"):
        return False
    ctx.emit("usesEval", call, {"evalType": "import-data-url"}, key="import-data-url")
    ctx.emit(SIGNAL_EXEC, call, {"how": "import-data-url"})
    ctx.sites.remember(ctx.sites.execs, call)
    if ";base64," in head[:80] or find_decode(ctx, [arg]) is not None:
        ctx.emit("encodedPayloadExecution", call, {"exec": "import", "decode": "base64"})
    return True


def _builtin_prefixed(ctx: JsContext, arg: Node) -> Folded | None:
    """`import(`node:${name}`)`, `require('node:' + name)` with `name` a whole name written as
    is: the `node:` scheme put in front of a readable module name (bundlers leave a computed
    name external), not a name split to hide it (`'chi' + 'ld_process'`)."""
    from depshield.analyzers.javascript.fold import Folded

    rest: Node | None = None
    if arg.type == "template_string":
        parts = arg.named_children
        if len(parts) == 2 and parts[0].type == "string_fragment" and ctx.text(parts[0]) == "node:":
            rest = parts[1].named_child(0) if parts[1].type == "template_substitution" else None
    elif (
        arg.type == "binary_expression"
        and ctx.text(arg.child_by_field_name("operator") or arg) == "+"
    ):
        left = arg.child_by_field_name("left")
        if (
            left is not None
            and left.type == "string"
            and js_text.literal_value(left, ctx.source) == "node:"
        ):
            rest = arg.child_by_field_name("right")
    name = ctx.folder.fold(rest) if rest is not None else None
    if name is None or name.how != "literal":
        return None
    return Folded("node:" + name.value, "literal")


def _sensitive(module: str) -> bool:
    """Modules worth hiding from a reviewer: splitting their names is an obfuscation tell."""
    return capability_of(module) is not None or module in SENSITIVE_MODULES


def _decoded_arg(ctx: JsContext, arg: Node) -> bool:
    """A require argument that is the output of a decoder or an obfuscator's lookup function."""
    if arg.type != "call_expression":
        return False
    callee = arg.child_by_field_name("function")
    if callee is None:
        return False
    name = ctx.text(callee.child_by_field_name("property") or callee)
    if name in DECODERS or _OBFUSCATED_NAME.match(name):
        return True
    ref = ctx.resolver.resolve(callee)
    if ref is not None and ref.base == GLOBAL and ref.last in DECODERS:
        return True
    binding = ctx.bindings.lookup(name, callee.start_byte) if callee.type == "identifier" else None
    if binding is not None and binding.value is not None and decoder_function(ctx, binding.value):
        return True  # a local function whose body decodes (flatmap-stream's e(n[2]))
    inner = ctx.args(arg)
    return bool(inner) and all(
        a.type == "number" or (a.type == "string" and _ENCODED_ARG.match(ctx.text(a)[1:-1]))
        for a in inner
    )
