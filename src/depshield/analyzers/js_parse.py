"""Tree-sitter grammars, parsers and the one capture query for JavaScript and TypeScript."""

from __future__ import annotations

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
# never walks the whole tree (a 10 MB bundle has millions of nodes). Patterns a grammar does not
# know (TypeScript-only nodes, JavaScript-only parameter shapes) are dropped per grammar.
PATTERNS = (
    "(string) @string",
    "(template_string) @template",
    f"[{' '.join(f'({t})' for t in FUNCTION_TYPES)}] @fn",
    "(call_expression function: [(function_expression) (arrow_function)] @iife)",
    "(call_expression function: (parenthesized_expression [(function_expression) (arrow_function)]"
    " @iife))",
    "(call_expression function: (member_expression object: (parenthesized_expression"
    " [(function_expression) (arrow_function)] @iife) property: (property_identifier) @_iife_m)"
    ' (#any-of? @_iife_m "call" "apply"))',
    "(call_expression function: (member_expression object: (function_expression) @iife"
    ' property: (property_identifier) @_iife_n) (#any-of? @_iife_n "call" "apply"))',
    "(call_expression arguments: (arguments [(function_expression) (arrow_function)])) @cbcall",
    "(new_expression arguments: (arguments [(function_expression) (arrow_function)])) @cbcall",
    "(variable_declarator) @decl",
    "(assignment_expression left: (identifier)) @assign",
    "(import_statement) @import",
    "(export_statement source: (string)) @export",
    "(formal_parameters (identifier) @param)",
    "(formal_parameters (assignment_pattern left: (identifier) @param))",
    "(required_parameter pattern: (identifier) @param)",
    "(optional_parameter pattern: (identifier) @param)",
    "(arrow_function parameter: (identifier) @param)",
    "(catch_clause parameter: (identifier) @param)",
    "(call_expression) @call",
    "(new_expression) @new",
    "(member_expression property: (property_identifier) @_mp (#any-of? @_mp"
    ' "env" "binding" "_linkedBinding" "dlopen" "constructor" "_load" "_compile"'
    ' "_resolveFilename")) @member',
    "(subscript_expression index: [(string) (template_string) (binary_expression)"
    " (call_expression)]) @member",
    '(member_expression object: (identifier) @_eo (#eq? @_eo "env")) @member',
    '(subscript_expression object: (identifier) @_es (#eq? @_es "env")) @member',
    "(spread_element) @spread",
    '(arguments (identifier) @evalarg (#any-of? @evalarg "eval" "Function"))',
    "(for_in_statement) @forin",
    "[(while_statement) (for_statement) (do_statement)] @loop",
)


def grammar_for(path: str) -> str:
    """The grammar a file is parsed with: TypeScript, TSX, or JavaScript (with JSX)."""
    lower = path.lower()
    for suffix, grammar in GRAMMAR_OF_SUFFIX.items():
        if lower.endswith(suffix):
            return grammar
    return "javascript"


@cache
def _language(grammar: str) -> Language:
    from tree_sitter import Language

    if grammar == "javascript":
        import tree_sitter_javascript

        return Language(tree_sitter_javascript.language())
    import tree_sitter_typescript

    if grammar == "tsx":
        return Language(tree_sitter_typescript.language_tsx())
    return Language(tree_sitter_typescript.language_typescript())


@cache
def _parser(grammar: str) -> Parser:
    from tree_sitter import Parser

    return Parser(_language(grammar))


@cache
def _query(grammar: str) -> Query:
    from tree_sitter import Query, QueryError

    language = _language(grammar)
    kept = []
    for pattern in PATTERNS:
        try:
            Query(language, pattern)
        except QueryError:
            continue
        kept.append(pattern)
    return Query(language, "\n".join(kept))


def parse(grammar: str, source: bytes) -> Tree:
    """The syntax tree of `source` (tree-sitter recovers from errors, it never raises)."""
    return _parser(grammar).parse(source)


def capture(grammar: str, tree: Tree) -> dict[str, list[Node]]:
    """Every capture of the query, by name, each node once, in source order."""
    from tree_sitter import QueryCursor

    raw = QueryCursor(_query(grammar)).captures(tree.root_node)
    out: dict[str, list[Node]] = {}
    for name, nodes in raw.items():
        if name.startswith("_"):
            continue
        seen: set[tuple[int, int, int]] = set()
        unique = []
        for node in nodes:
            key = (node.start_byte, node.end_byte, node.kind_id)
            if key not in seen:
                seen.add(key)
                unique.append(node)
        unique.sort(key=lambda n: n.start_byte)
        out[name] = unique
    return out
