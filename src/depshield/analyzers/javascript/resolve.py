"""Alias resolution: what an expression really names (`cp.exec` -> child_process.exec)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from depshield.analyzers.javascript.bindings import Binding, Bindings

if TYPE_CHECKING:
    from tree_sitter import Node

    from depshield.analyzers.javascript.fold import Folded, Folder

MAX_DEPTH = 12  # alias hops (const a = b; const b = require(...)) followed before giving up
MAX_CHAIN = 64  # member/call links in one expression (a.b.c().d...)

GLOBAL = "global"
GLOBAL_OBJECTS = frozenset({"globalThis", "global", "window", "self"})
GLOBAL_NAMES = frozenset(
    {
        *GLOBAL_OBJECTS,
        *("require", "__require", "__non_webpack_require__", "module", "process", "Buffer"),
        *("eval", "Function", "fetch", "XMLHttpRequest", "WebSocket", "navigator", "atob"),
        *("String", "JSON", "Object", "Reflect", "unescape", "decodeURIComponent"),
        *("setTimeout", "setInterval", "setImmediate", "queueMicrotask"),
    }
)
WRAPPERS = frozenset(
    {"parenthesized_expression", "as_expression", "non_null_expression", "satisfies_expression"}
)
# Transpiler helpers that hand back (a view of) the module they are given.
_INTEROP = re.compile(r"^_*(interop\w*|import(Default|Star)|toESM|toCommonJS)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Ref:
    """A resolved name: a module (`child_process`) or `global`, then a property path.
    `()` in the path is the result of a call (`new net.Socket()` -> net.Socket.()).
    `computed` is set when a name on the way was built or decoded at run time."""

    base: str
    path: tuple[str, ...] = ()
    computed: bool = False

    @property
    def dotted(self) -> str:
        return ".".join((self.base, *self.path))

    @property
    def last(self) -> str:
        return self.path[-1] if self.path else ""

    def is_(self, base: str, *path: str) -> bool:
        return self.base == base and self.path == path


def module_name(spec: str) -> str:
    """`node:fs` -> `fs`; package subpaths are kept (`fs/promises`)."""
    return spec[5:] if spec.startswith("node:") else spec


def package_of(module: str) -> str:
    """`axios/dist/node/axios.cjs` -> `axios`, `@scope/pkg/x` -> `@scope/pkg`."""
    parts = module.split("/")
    return "/".join(parts[:2]) if module.startswith("@") else parts[0]


def normalize(ref: Ref) -> Ref:
    """One spelling per thing: globalThis.fetch is fetch, module.constructor is Module..."""
    base, path = ref.base, ref.path
    for _ in range(8):
        if base == GLOBAL and path and path[0] in GLOBAL_OBJECTS:
            path = path[1:]
        elif base == GLOBAL and path[:1] in (("__require",), ("__non_webpack_require__",)):
            path = ("require", *path[1:])
        elif base == GLOBAL and path[:1] == ("process",):
            base, path = "process", path[1:]
        elif base == GLOBAL and path[:1] == ("Buffer",):
            base = "buffer"
        elif (base, path[:2]) in _TO_MODULE:
            base, path = "module", path[2:]
        elif (base, path[:2]) in _TO_REQUIRE:
            base, path = GLOBAL, ("require", *path[2:])
        elif base not in (GLOBAL, "process") and path[:1] == ("default",):
            path = path[1:]
        else:
            break
    return Ref(base, path, ref.computed)


_TO_MODULE = {
    (GLOBAL, ("module", "constructor")),
    ("process", ("mainModule", "constructor")),
}
_TO_REQUIRE = {
    (GLOBAL, ("module", "require")),
    ("process", ("mainModule", "require")),
    (GLOBAL, ("require", "main")),
}


class Resolver:
    """Resolves expressions to Refs through scoped bindings; folds constants with `folder`."""

    def __init__(self, bindings: Bindings, folder: Folder) -> None:
        self.bindings = bindings
        self.folder = folder
        self._memo: dict[int, Ref | None] = {}
        self._pending: set[int] = set()
        self._nodes: dict[tuple[int, int, int], Ref | None] = {}

    def fold(self, node: Node, depth: int = 0) -> Folded | None:
        return self.folder.fold(node, depth)

    def lookup(self, name: str, pos: int, depth: int) -> Ref | None:
        binding = self.bindings.lookup(name, pos)
        if binding is None:
            return normalize(Ref(GLOBAL, (name,))) if name in GLOBAL_NAMES else None
        base = self._binding_ref(binding, depth)
        if base is None:
            return None
        return normalize(Ref(base.base, base.path + binding.path, base.computed))

    def _binding_ref(self, binding: Binding, depth: int) -> Ref | None:
        if binding.module is not None:
            return Ref(module_name(binding.module))
        if binding.value is None:
            return None
        key = id(binding)
        if key in self._memo:
            return self._memo[key]
        if key in self._pending:  # a cycle: const a = b, b = a
            return None
        self._pending.add(key)
        ref = self.resolve(binding.value, depth + 1)
        self._pending.discard(key)
        self._memo[key] = ref
        return ref

    def resolve(self, node: Node, depth: int = 0) -> Ref | None:
        """What `node` names, or None when it is not something a rule cares about."""
        if depth > MAX_DEPTH:
            return None
        key = (node.start_byte, node.end_byte, node.kind_id)
        if key in self._nodes:
            return self._nodes[key]
        ref = self._resolve(node, depth)
        self._nodes[key] = ref
        return ref

    def _resolve(self, node: Node, depth: int) -> Ref | None:
        steps: list[tuple[str, bool]] = []
        cur: Node | None = node
        base: Ref | None = None
        for _ in range(MAX_CHAIN):
            if cur is None:
                return None
            kind = cur.type
            if kind in WRAPPERS or kind == "await_expression":
                cur = cur.named_child(0)
            elif kind == "sequence_expression":  # (0, fs.readFileSync)
                cur = cur.named_child(cur.named_child_count - 1)
            elif kind in ("binary_expression", "ternary_expression"):
                cur = self._either(cur, depth)
            elif kind == "member_expression":
                prop = cur.child_by_field_name("property")
                steps.append((self.bindings.text(prop) if prop else "?", False))
                cur = cur.child_by_field_name("object")
            elif kind == "subscript_expression":
                index = cur.child_by_field_name("index")
                folded = self.folder.fold(index, depth + 1) if index is not None else None
                if folded is None:
                    return None
                steps.append((folded.value, folded.how != "literal"))
                cur = cur.child_by_field_name("object")
            elif kind in ("call_expression", "new_expression"):
                base, cur = self._call_step(cur, steps, depth)
                if base is not None:
                    break
            elif kind == "identifier":
                base = self.lookup(self.bindings.text(cur), cur.start_byte, depth + 1)
                break
            else:
                return None
        if base is None:
            return None
        path = base.path + tuple(name for name, _ in reversed(steps))
        computed = base.computed or any(c for _, c in steps)
        return normalize(Ref(base.base, path, computed))

    def _either(self, node: Node, depth: int) -> Node | None:
        """`global.require || mainModule.require`, `x ? a : b`: the first side that resolves."""
        if node.type == "binary_expression":
            op = node.child_by_field_name("operator")
            if op is None or op.type not in ("||", "??", "&&"):
                return None
            sides = [node.child_by_field_name("left"), node.child_by_field_name("right")]
            if op.type == "&&":
                sides.reverse()  # a && b evaluates to b when it is used
        else:
            sides = [
                node.child_by_field_name("consequence"),
                node.child_by_field_name("alternative"),
            ]
        for side in sides:
            if side is not None and self.resolve(side, depth + 1) is not None:
                return side
        return None

    def _call_step(
        self, call: Node, steps: list[tuple[str, bool]], depth: int
    ) -> tuple[Ref | None, Node | None]:
        """One call link: a module load ends the chain; an interop helper is see-through."""
        if call.type == "new_expression":
            steps.append(("()", False))
            return None, call.child_by_field_name("constructor")
        callee = call.child_by_field_name("function")
        loaded = self.loaded_module(call, depth + 1)
        if loaded is not None:
            return loaded, None
        args = call.child_by_field_name("arguments")
        first = args.named_child(0) if args is not None and args.named_child_count else None
        if callee is not None and callee.type == "identifier" and first is not None:
            name = self.bindings.text(callee)
            if _INTEROP.match(name):
                return None, first
            if name == "eval":  # eval('require') hands back the global it names
                folded = self.folder.fold(first, depth + 1)
                if folded is not None and folded.value in GLOBAL_NAMES:
                    return normalize(Ref(GLOBAL, (folded.value,), True)), None
        steps.append(("()", False))
        return None, callee

    def is_loader(self, callee: Node, depth: int = 0) -> Ref | None:
        """The Ref of `callee` when it is `require` (however reached), else None."""
        if callee.type == "import":
            return Ref(GLOBAL, ("import",))
        ref = self.resolve(callee, depth)
        return ref if ref is not None and ref.is_(GLOBAL, "require") else None

    def loaded_module(self, call: Node, depth: int = 0) -> Ref | None:
        """For `require(spec)` / `import(spec)` with a foldable spec: the module's Ref."""
        callee = call.child_by_field_name("function")
        if callee is None or not self.may_load(callee):
            return None
        loader = self.is_loader(callee, depth)
        if loader is None:
            return None
        args = call.child_by_field_name("arguments")
        first = args.named_child(0) if args is not None and args.named_child_count else None
        folded = self.folder.fold(first, depth + 1) if first is not None else None
        if folded is None:
            return None
        return Ref(module_name(folded.value), (), loader.computed or folded.how != "literal")

    def may_load(self, callee: Node) -> bool:
        """A cheap syntactic filter before resolving a callee as `require`: resolving every
        link of `a().b().c()` as a possible loader would be exponential in the chain length."""
        kind = callee.type
        if kind == "member_expression":
            prop = callee.child_by_field_name("property")
            return prop is not None and self.bindings.text(prop) == "require"
        if kind == "call_expression":
            inner = callee.child_by_field_name("function")
            return inner is not None and self.bindings.text(inner) == "eval"
        return kind in ("identifier", "import", "subscript_expression", "parenthesized_expression")
