"""Tree-sitter grammars, parsers and the one capture query for JavaScript and TypeScript."""

from __future__ import annotations

import threading
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # tree_sitter is imported lazily: the CLI must start fast
    from tree_sitter import Language, Node, Parser, Query, Tree

GRAMMAR_OF_SUFFIX = {".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx"}

FUNCTION_TYPES = (
    "function_expression",
    "function_declaration",
    "arrow_function",
    "method_definition",
    "generator_function",
    "generator_function_declaration",
)

# One query, one pass over the tree: each pattern names the nodes a rule looks at, so Python
# never walks the whole tree (a 10 MB bundle has millions of nodes). Patterns are single nodes or
# constrain only a leading leaf child: a pattern that waits for a later child (`arguments:` of a
# call, `property:` of a member) keeps one match open per enclosing node, which turns 10,000
# levels of nesting quadratic. Those checks are made in Python on the captured nodes instead.
# Patterns a grammar does not know (TypeScript-only nodes) are dropped per grammar.
PATTERNS = (
    "(string) @string",
    "(template_string) @template",
    f"[{' '.join(f'({t})' for t in FUNCTION_TYPES)}] @fn",
    "(variable_declarator) @decl",
    "(assignment_expression left: (identifier)) @assign",
    "(import_statement) @import",
    "(export_statement) @export",
    "(formal_parameters (identifier) @param)",
    "(formal_parameters (assignment_pattern left: (identifier) @param))",
    "(required_parameter pattern: (identifier) @param)",
    "(optional_parameter pattern: (identifier) @param)",
    "(arrow_function parameter: (identifier) @param)",
    "(catch_clause parameter: (identifier) @param)",
    "(call_expression) @call",
    "(new_expression) @new",
    "((property_identifier) @mprop (#any-of? @mprop"
    ' "env" "binding" "_linkedBinding" "dlopen" "constructor" "_load" "_compile"'
    ' "_resolveFilename"))',
    "(subscript_expression) @sub",
    '(member_expression object: (identifier) @_eo (#eq? @_eo "env")) @member',
    "(spread_element) @spread",
    '((identifier) @evalarg (#any-of? @evalarg "eval" "Function"))',
    "(for_in_statement) @forin",
    "[(while_statement) (for_statement) (do_statement)] @loop",
)


SHARED_NAMES = frozenset({"param"})


def grammar_for(path: str) -> str:
    """The grammar a file is parsed with: TypeScript, TSX, or JavaScript (with JSX)."""
    lower = path.lower()
    for suffix, grammar in GRAMMAR_OF_SUFFIX.items():
        if lower.endswith(suffix):
            return grammar
    return "javascript"


@cache
def _language(grammar: str) -> Language:
    from depshield.analyzers.grammars import language

    if grammar == "javascript":
        return language("tree_sitter_javascript")
    if grammar == "tsx":
        return language("tree_sitter_typescript", "language_tsx")
    return language("tree_sitter_typescript", "language_typescript")


_local = threading.local()  # a Parser holds parse state: one per thread, built once


def _parser(grammar: str) -> Parser:
    parsers: dict[str, Parser] | None = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    parser = parsers.get(grammar)
    if parser is None:
        from tree_sitter import Parser

        parser = parsers[grammar] = Parser(_language(grammar))
    return parser


@cache
def _query(grammar: str) -> Query:
    """The capture query for `grammar`, built from the patterns that grammar accepts (some
    patterns name TypeScript-only nodes). Which ones those are is remembered on disk, so a
    process compiles the query once instead of once per pattern plus once in all."""
    from tree_sitter import Query

    language = _language(grammar)
    valid = _valid_patterns(grammar)
    return Query(language, "\n".join(PATTERNS[i] for i in valid))


def _valid_patterns(grammar: str) -> list[int]:
    import hashlib
    import json

    from tree_sitter import Query, QueryError

    from depshield import memo

    digest = hashlib.sha256("\0".join(PATTERNS).encode()).hexdigest()[:16]
    name = f"js-query-{grammar}-{digest}.json"
    try:
        indexes: list[int] = json.loads(memo.read(name) or b"")
        if all(isinstance(i, int) and 0 <= i < len(PATTERNS) for i in indexes):
            return indexes
    except ValueError:
        pass
    language = _language(grammar)
    indexes = []
    for i, pattern in enumerate(PATTERNS):
        try:
            Query(language, pattern)
        except QueryError:
            continue
        indexes.append(i)
    memo.write(name, json.dumps(indexes).encode())  # a read-only home only costs this again
    return indexes


def parse(grammar: str, source: bytes) -> Tree:
    """The syntax tree of `source` (tree-sitter recovers from errors, it never raises)."""
    return _parser(grammar).parse(source)


def capture(grammar: str, tree: Tree) -> dict[str, list[Node]]:
    """Every capture of the query, by name. Names several patterns share are deduplicated."""
    from tree_sitter import QueryCursor

    raw = QueryCursor(_query(grammar)).captures(tree.root_node)
    out: dict[str, list[Node]] = {}
    for name, nodes in raw.items():
        if name.startswith("_"):
            continue
        if name in SHARED_NAMES:
            seen: set[tuple[int, int, int]] = set()
            unique = []
            for node in nodes:
                key = (node.start_byte, node.end_byte, node.kind_id)
                if key not in seen:
                    seen.add(key)
                    unique.append(node)
            nodes = unique
        # Document order: caps then keep the first findings of a file, the same on every run.
        nodes.sort(key=_start)
        out[name] = nodes
    return out


def _start(node: Node) -> int:
    return node.start_byte
