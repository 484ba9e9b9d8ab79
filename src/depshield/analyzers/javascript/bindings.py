"""Scoped name bindings of a JavaScript file: declarations, destructuring, imports, parameters."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING

from depshield.analyzers.javascript.scope import MAX_CHAIN, PROGRAM, Scopes

if TYPE_CHECKING:
    from tree_sitter import Node

# Bundlers pass the real `require` in as a parameter (browserify, UMD); treat it as require.
PASSTHROUGH_PARAMS = frozenset({"require", "module", "exports", "__require"})
MAX_PATTERN_NODES = 200


@dataclass(frozen=True, slots=True)
class Binding:
    """`name` declared in `scope` at byte `pos`: bound to `value` (then `path` into it), to an
    imported module `module` (then `path`), or opaque (a parameter, `let x;`)."""

    name: str
    scope: int
    pos: int
    value: Node | None = None
    path: tuple[str, ...] = ()
    module: str | None = None


class Bindings:
    """Every binding of a file, indexed by (name, scope), resolved innermost-scope first."""

    def __init__(self, source: bytes, scopes: Scopes) -> None:
        self.source = source
        self.scopes = scopes
        self.table: dict[tuple[str, int], list[Binding]] = {}
        self.scopes_of: dict[str, set[int]] = {}  # name -> scopes that bind it
        self._valued: dict[tuple[str, int], tuple[list[int], list[Binding]]] = {}

    def text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def add(self, binding: Binding) -> None:
        self.table.setdefault((binding.name, binding.scope), []).append(binding)
        self.scopes_of.setdefault(binding.name, set()).add(binding.scope)
        self._valued.pop((binding.name, binding.scope), None)

    def lookup(self, name: str, pos: int) -> Binding | None:
        """The binding `name` refers to at byte `pos`, or None when it is a free (global) name."""
        scope = self.scope_of(name, pos)
        return None if scope is None else self._pick((name, scope), pos)

    def scope_of(self, name: str, pos: int) -> int | None:
        """The innermost scope around byte `pos` that binds `name`, or None."""
        where = self.scopes_of.get(name)
        if where is None:
            return None
        if len(where) == 1:
            (only,) = where
            return only if only == PROGRAM or self.scopes.contains(only, pos) else None
        scopes = self.scopes
        s = scopes.innermost(pos)
        for _ in range(MAX_CHAIN):
            if s in where:
                return s
            if s == PROGRAM:
                return None
            s = scopes.parent[s]
        return PROGRAM if PROGRAM in where else None

    def _pick(self, key: tuple[str, int], pos: int) -> Binding:
        """Among one scope's bindings of a name: the last one with a value before `pos`, else
        the first with a value (hoisted functions, code that runs later), else an opaque one."""
        found = self.table[key]
        if len(found) == 1:
            return found[0]
        cached = self._valued.get(key)
        if cached is None:
            valued = sorted(
                (b for b in found if b.value is not None or b.module is not None),
                key=lambda b: b.pos,
            )
            cached = self._valued[key] = ([b.pos for b in valued], valued)
        positions, valued = cached
        if not valued:
            return found[0]
        i = bisect_right(positions, pos)
        return valued[i - 1] if i else valued[0]

    def declare(self, decl: Node) -> None:
        name, value = decl.child_by_field_name("name"), decl.child_by_field_name("value")
        if name is not None:
            self.pattern(name, value, self.scopes.innermost(decl.start_byte), decl.start_byte)

    def assign(self, node: Node) -> None:
        """`x = value`: binds in the scope that declared x (or the program, an implicit global)."""
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return
        name = self.text(left)
        scope = self.scope_of(name, node.start_byte)
        self.add(Binding(name, PROGRAM if scope is None else scope, node.start_byte, right))

    def parameter(self, ident: Node) -> None:
        name = self.text(ident)
        if name not in PASSTHROUGH_PARAMS:
            self.add(Binding(name, self.scopes.innermost(ident.start_byte), ident.start_byte))

    def function(self, fn: Node) -> None:
        """A function declaration binds its name in the enclosing scope, to itself."""
        name = fn.child_by_field_name("name")
        if name is not None and fn.type.endswith("declaration"):
            scope = self.scopes.enclosing(fn.start_byte, fn.end_byte)
            self.add(Binding(self.text(name), scope, fn.start_byte, fn))

    def import_statement(self, stmt: Node, module: str) -> None:
        for clause in stmt.named_children:
            if clause.type == "import_require_clause":  # TS: import x = require('m')
                ident = clause.named_child(0)
                if ident is not None and ident.type == "identifier":
                    self.add(Binding(self.text(ident), PROGRAM, stmt.start_byte, module=module))
            if clause.type != "import_clause":
                continue
            for part in clause.named_children:
                self._import_part(part, module, stmt.start_byte)

    def _import_part(self, part: Node, module: str, pos: int) -> None:
        if part.type == "identifier":  # default import: the module object for CommonJS modules
            self.add(Binding(self.text(part), PROGRAM, pos, module=module))
        elif part.type == "namespace_import":
            ident = part.named_child(0)
            if ident is not None:
                self.add(Binding(self.text(ident), PROGRAM, pos, module=module))
        elif part.type == "named_imports":
            for spec in part.named_children:
                name, alias = spec.child_by_field_name("name"), spec.child_by_field_name("alias")
                if name is None:
                    continue
                local = self.text(alias if alias is not None else name)
                imported = self.text(name).strip("'\"")
                path = () if imported == "default" else (imported,)
                self.add(Binding(local, PROGRAM, pos, path=path, module=module))

    def pattern(self, target: Node, value: Node | None, scope: int, pos: int) -> None:
        """Bind the names of a declaration target, following object destructuring into `value`."""
        stack: list[tuple[Node, tuple[str, ...]]] = [(target, ())]
        budget = MAX_PATTERN_NODES
        while stack and budget > 0:
            budget -= 1
            node, path = stack.pop()
            kind = node.type
            if kind in ("identifier", "shorthand_property_identifier_pattern"):
                name = self.text(node)
                step = path + (name,) if kind != "identifier" else path
                self.add(Binding(name, scope, pos, value, step))
            elif kind == "object_pattern":
                stack.extend((child, path) for child in node.named_children)
            elif kind == "pair_pattern":
                key, val = node.child_by_field_name("key"), node.child_by_field_name("value")
                if key is not None and val is not None:
                    stack.append((val, path + (self.text(key).strip("'\"`"),)))
            elif kind in ("object_assignment_pattern", "assignment_pattern"):
                left = node.child_by_field_name("left")
                if left is not None:
                    stack.append((left, path))
            elif kind == "rest_pattern":
                stack.extend((child, path) for child in node.named_children)
            elif kind == "array_pattern":  # elements are not followed: bind them as opaque
                stack.extend((child, ("[]",)) for child in node.named_children)
