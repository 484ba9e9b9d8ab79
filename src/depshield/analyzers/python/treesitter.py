"""The tree-sitter pass of the Python fallback (tree-sitter is imported only when needed)."""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from depshield.analyzers.python.fallback import Fallback, exec_statements
from depshield.analyzers.python.rules import classify_call

# A query runs in C; walking every node from Python is ~15x slower on large files.
_QUERY = """
(import_statement) @import
(import_from_statement) @import
(call function: [(identifier) (attribute)] @func) @call
(string) @string
(exec_statement) @exec
(print_statement) @print
(function_definition) @def
"""


def scan_tree(fb: Fallback, data: bytes) -> bool:
    """Scan `data` with tree-sitter-python; False when tree-sitter is not available."""
    try:
        import tree_sitter
        import tree_sitter_python
    except ImportError:
        return False
    language = tree_sitter.Language(tree_sitter_python.language())
    root = tree_sitter.Parser(language).parse(data).root_node
    captures = tree_sitter.QueryCursor(tree_sitter.Query(language, _QUERY)).captures(root)
    functions = _Spans(captures.get("def", []))
    for node in captures.get("import", []):
        _import(fb, node)
    fb.python2 = fb.python2 or bool(captures.get("print")) or bool(captures.get("exec"))
    for node in captures.get("exec", []):
        fb.exec_statement(_line(node), node.start_point[1], functions.top(node), _text(node))
    for node in captures.get("string", []):
        fb.literal(_string(node), _line(node), functions.top(node))
    for node in captures.get("call", []):
        _call(fb, node, functions)
    exec_statements(fb, bytes(data).decode("utf-8", "replace"))
    return True


class _Spans:
    """Byte ranges of function bodies, merged, to tell module-level code from function code."""

    def __init__(self, nodes: list[Any]) -> None:
        merged: list[tuple[int, int]] = []
        for start, end in sorted((n.start_byte, n.end_byte) for n in nodes):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        self.starts = [s for s, _ in merged]
        self.spans = merged

    def top(self, node: Any) -> bool:
        index = bisect_right(self.starts, node.start_byte) - 1
        return index < 0 or node.start_byte >= self.spans[index][1]


def _text(node: Any) -> str:
    return bytes(node.text or b"").decode("utf-8", "replace")


def _line(node: Any) -> int:
    return int(node.start_point[0]) + 1


def _string(node: Any) -> str:
    return "".join(_text(c) for c in node.children if c.type == "string_content")


def _import(fb: Fallback, node: Any) -> None:
    names: list[tuple[str, str | None]] = []
    module_node = node.child_by_field_name("module_name")
    module = _text(module_node).replace(" ", "") if module_node is not None else ""
    for child in node.children_by_field_name("name"):
        if child.type == "aliased_import":
            target = child.child_by_field_name("name")
            alias = child.child_by_field_name("alias")
            names.append((_text(target) if target else "", _text(alias) if alias else None))
        else:
            names.append((_text(child), None))
    if any(c.type == "wildcard_import" for c in node.children):
        names.append(("*", None))
    fb.add_import(module, names)


def _call(fb: Fallback, node: Any, functions: _Spans) -> None:
    func = node.child_by_field_name("function")
    if func is None:
        return
    dotted = _text(func)
    if not classify_call(fb.resolve(dotted)):
        return  # most calls: nothing to report, skip reading the arguments
    args = node.child_by_field_name("arguments")
    literal = None
    if args is not None and args.named_children:
        first = args.named_children[0]
        if first.type == "string":
            literal = _string(first)
        elif first.type == "concatenated_string":
            literal = "".join(_string(c) for c in first.named_children)
    args_text = _text(args)[:2000] if args is not None else ""
    line, column = _line(node), int(node.start_point[1])
    fb.call(dotted, line, column, functions.top(node), args_text, literal)
