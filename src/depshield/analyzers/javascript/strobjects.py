"""The obfuscator's string objects: `const _0x1d66 = {'cTyWo': 'https://..'}; f(_0x1d66['cTyWo'])`.

javascript-obfuscator's control-flow flattening moves strings (once decoded from the string
array) into objects keyed by random five-letter names. Each constant object of literals named
like the obfuscator's own (`_0x..`) is read as data and its `obj['key']` reads are rewritten.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from depshield.analyzers.javascript.text import literal_value

if TYPE_CHECKING:
    from tree_sitter import Node

_NAME = re.compile(r"^(?:[\w$]+_)?_0x[0-9a-f]{3,}$")
MAX_PAIRS = 5_000


def objects(source: bytes, caps: dict[str, list[Node]]) -> dict[str, dict[str, str]]:
    """name -> {key: string} for `_0x..` objects whose string-valued pairs are literals."""
    out: dict[str, dict[str, str]] = {}
    for decl in caps.get("decl", ()):
        name, value = decl.child_by_field_name("name"), decl.child_by_field_name("value")
        if name is None or value is None or value.type != "object":
            continue
        ident = source[name.start_byte : name.end_byte].decode("utf-8", "replace")
        if not _NAME.match(ident) or len(value.named_children) > MAX_PAIRS:
            continue
        pairs = _pairs(value, source)
        if pairs:
            out[ident] = pairs
    return out


def _pairs(obj: Node, source: bytes) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for pair in obj.named_children:
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if pair.type != "pair" or key is None or value is None:
            continue
        text = _joined(value, source, 0)
        if text is None:
            continue  # functions (operator wrappers) and other values stay as written
        name = literal_value(key, source)
        if name is None and key.type == "property_identifier":
            name = source[key.start_byte : key.end_byte].decode("utf-8", "replace")
        if name is not None:
            pairs[name] = text
    return pairs


def _joined(node: Node, source: bytes, depth: int) -> str | None:
    """A literal, or literals joined by `+` (the obfuscator splits strings: "child_proc"+"ess")."""
    if node.type != "binary_expression":
        return literal_value(node, source)
    op = node.child_by_field_name("operator")
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if depth > 64 or op is None or op.type != "+" or left is None or right is None:
        return None
    a = _joined(left, source, depth + 1)
    b = _joined(right, source, depth + 1) if a is not None else None
    return None if a is None or b is None else a + b


def reads(
    source: bytes, caps: dict[str, list[Node]], table: dict[str, dict[str, str]]
) -> list[tuple[int, int, str]]:
    """(start, end, literal) for each `obj['key']` read of a known object and key."""
    edits: list[tuple[int, int, str]] = []
    found: list[tuple[Node, str, str]] = []
    written: set[str] = set()
    for sub in caps.get("sub", ()):
        obj, index = sub.child_by_field_name("object"), sub.child_by_field_name("index")
        if obj is None or index is None or obj.type != "identifier":
            continue
        name = source[obj.start_byte : obj.end_byte].decode("utf-8", "replace")
        key = literal_value(index, source) if name in table else None
        if key is None:
            continue
        if _written(sub):
            written.add(name)  # changed at run time: not a constant store
        else:
            found.append((sub, name, key))
    for sub, name, key in found:
        value = table[name].get(key) if name not in written else None
        if value is not None:
            edits.append((sub.start_byte, sub.end_byte, value))
    return edits


def _written(sub: Node) -> bool:
    parent = sub.parent
    if parent is None:
        return False
    if parent.type in ("assignment_expression", "augmented_assignment_expression"):
        return parent.child_by_field_name("left") == sub
    op = parent.child_by_field_name("operator")
    deleted = parent.type == "unary_expression" and op is not None and op.type == "delete"
    return parent.type == "update_expression" or deleted
