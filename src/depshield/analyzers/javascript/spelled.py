"""Static decoding of spelled-out text: strings from a character table, names in escapes.

A light obfuscation keeps every string of a file out of sight by spelling it from one
scrambled alphabet: `T=')r(xbp1f]da"[&u?:s *$lk...'` then `T[5]+T[1]+T[43]+T[7]` for "pass".
Web skimmers use it to hide the form fields and the host they send to. Nothing runs here: the
table is a string literal assigned once, every use of it is a `T[number]` in a `+` chain, and
each chain is rewritten into the string literal it spells (line breaks kept, so findings on
the decoded text keep the original file:line). A table that is ever indexed by anything else,
or assigned twice, may change at run time and is left alone.

Names can be spelled too: JavaScript lets an identifier be written in escapes, so
`\\u0065\\u0076\\u0061\\u006C(s)` is `eval(s)` to the engine and an unknown name to a reader.
Escapes outside string literals that spell identifier characters are put back as the
characters (the program means the same; escapes inside strings stay, they are evidence).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from depshield.analyzers.javascript.text import unescape

if TYPE_CHECKING:
    from tree_sitter import Node

MIN_TABLE = 16  # characters: a shorter literal is a word, not an alphabet
MAX_TABLE = 512
MIN_CHAINS = 3  # lookups spelling strings, not one `s[0]` of an ordinary string
MAX_REWRITES = 50_000
_TABLE = re.compile(
    rb"(?<![\w$.])([A-Za-z_$][\w$]*)\s*=\s*(?:'((?:\\.|[^'\\\n]){%d,%d})'|\"((?:\\.|[^\"\\\n]){%d,%d})\")"
    % (MIN_TABLE, MAX_TABLE, MIN_TABLE, MAX_TABLE)
)


@dataclass(frozen=True, slots=True)
class Spelled:
    source: bytes  # the file with each lookup chain replaced by its string literal
    strings: int  # chains rewritten


def decode(source: bytes) -> Spelled | None:
    """The file with its character-table lookups spelled out, or None when it has none."""
    if b"]+" not in source and b"] +" not in source:
        return None
    tables = _tables(source)
    strings = 0
    for name, alphabet in tables.items():
        rewritten = _spell(source, name, alphabet)
        if rewritten is not None:
            source, count = rewritten
            strings += count
    return Spelled(source, strings) if strings else None


def _tables(source: bytes) -> dict[bytes, str]:
    """Names assigned exactly one string literal that looks like an alphabet (mostly
    distinct characters), and never assigned anything else."""
    found: dict[bytes, str] = {}
    for m in _TABLE.finditer(source):
        name, raw = m.group(1), m.group(2) or m.group(3)
        if name in found or len(found) >= 8:
            continue
        value = unescape(raw.decode("utf-8", "replace"))
        if len(set(value)) * 4 < len(value) * 3:
            continue  # repeated characters: text, not an alphabet
        assigned = re.findall(rb"(?<![\w$.])" + re.escape(name) + rb"\s*=(?!=)", source)
        if len(assigned) == 1:
            found[name] = value
    return found


def _spell(source: bytes, name: bytes, alphabet: str) -> tuple[bytes, int] | None:
    lookup = rb"(?<![\w$.])" + re.escape(name) + rb"\[(\d+)\]"
    chain = re.compile(lookup + rb"(?:[ \t]*\+[ \t]*" + lookup + rb")*")
    uses = len(re.findall(rb"(?<![\w$.])" + re.escape(name) + rb"\b(?!\s*=(?!=))", source))
    indexed = len(re.findall(lookup, source))
    if uses != indexed:
        return None  # used some other way too: not a constant table
    parts: list[bytes] = []
    last = count = 0
    for m in chain.finditer(source):
        if count >= MAX_REWRITES:
            break
        indexes = [int(i) for i in re.findall(rb"\[(\d+)\]", m.group(0))]
        if any(i >= len(alphabet) for i in indexes):
            return None
        spelled = "".join(alphabet[i] for i in indexes)
        parts += [source[last : m.start()], json.dumps(spelled).encode("utf-8")]
        last = m.end()
        count += 1
    if count < MIN_CHAINS:
        return None
    parts.append(source[last:])
    return b"".join(parts), count


_NAME_ESCAPE = re.compile(rb"\\u(?:([0-9a-fA-F]{4})|\{([0-9a-fA-F]{1,6})\})")
_NAME_CHAR = re.compile(r"[A-Za-z0-9_$]")
# Where an escape is part of a name; escapes in strings, templates and regular expressions
# are text (and evidence of hiding) and stay.
NAME_NODES = frozenset(
    {
        "identifier",
        "property_identifier",
        "shorthand_property_identifier",
        "shorthand_property_identifier_pattern",
    }
)
MAX_ESCAPES = 100_000


def names(source: bytes, root: Node) -> Spelled | None:
    """The file with escapes inside identifiers (`root`: the file's syntax tree) put back as
    the characters they spell, or None when it has none."""
    if b"\\u" not in source:
        return None
    parts: list[bytes] = []
    last = count = 0
    for i, m in enumerate(_NAME_ESCAPE.finditer(source)):
        if i >= MAX_ESCAPES:
            break
        char = chr(int(m.group(1) or m.group(2), 16))
        if not _NAME_CHAR.fullmatch(char):
            continue
        node = root.descendant_for_byte_range(m.start(), m.end())
        if node is None or node.type not in NAME_NODES:
            continue
        parts += [source[last : m.start()], char.encode("ascii")]
        last = m.end()
        count += 1
    if not count:
        return None
    parts.append(source[last:])
    return Spelled(b"".join(parts), count)
