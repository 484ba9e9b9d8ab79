"""The yarn classic (v1) lockfile syntax: indented `key value` lines, not YAML.

Follows yarn's own reader (src/lockfile/parse.js): two spaces per level, keys and values are
JSON strings or bare words, a key list `"a@^1", a@^2:` opens a block, `true`/`false` are booleans.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from depshield.lockfiles.base import LockfileError
from depshield.lockfiles.lines import iter_lines

# A JSON string, a bare word (yarn stops one at whitespace, `:` and `,`), a colon or a comma.
_TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|([^\s:,"]+)|([:,]))')
# The common line, `key "value"` or `key value`, with no escapes in either string.
_SIMPLE = re.compile(r'(?:"([^"\\]*)"|([^\s:,"]+)) +(?:"([^"\\]*)"|([^\s:,"]+))\Z')
# The same line read whole, its indentation first (most lines cost one match and no strip); a
# bare key may not start like a comment or a conflict marker, which the general path reads.
_SIMPLE_LINE = re.compile(
    r'( +)(?:"([^"\\]*)"|([^\s:,"#<=>][^\s:,"]*)) +(?:"([^"\\]*)"|([^\s:,"]+))\s*\Z'
)
# The rest of a line is blank: a match from a position, not a slice per token (a slice made a
# line of n tokens cost n^2, issue 17's quadratic-shaped yarn.lock).
_BLANK = re.compile(r"\s*\Z")
# The common block header, `"name@range":` or `name@range:`, read without the tokenizer too.
_HEADER = re.compile(r'(?:"([^"\\]*)"|([^\s:,"]+)):\Z')
_CONFLICT = ("<<<<<<<", "=======", ">>>>>>>")
_RARE_FIRST = frozenset("#<=>")  # the first characters of a comment or a conflict marker
_TIP = "the file is damaged or has merge-conflict markers; run `yarn install` to rewrite it"


@dataclass(frozen=True, slots=True)
class Block:
    """One top-level entry: the patterns it answers, its fields, the line of its key."""

    patterns: tuple[str, ...]
    fields: dict[str, Any]
    line: int


def parse_classic(path: Path, text: str) -> list[Block]:
    """The top-level entries of a yarn v1 lockfile, in file order."""
    blocks: list[Block] = []
    stack: list[dict[str, Any]] = [{}]  # the open maps; stack[n] holds keys indented n levels
    for number, raw in enumerate(iter_lines(text), 1):
        line = _SIMPLE_LINE.match(raw)
        if line is not None and _fits(line.end(1), stack):
            # `  key "value"` (most lines), read as the general path below reads it
            _, quoted_key, bare_key, quoted, bare = line.groups()
            del stack[line.end(1) // 2 + 1 :]
            stack[-1][bare_key if quoted_key is None else quoted_key] = (
                _value(bare) if quoted is None else quoted
            )
            continue
        stripped = raw.strip()
        if not stripped or stripped[0] in _RARE_FIRST:  # one test for the common line
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.startswith(_CONFLICT):
                _fail(path, number, "merge-conflict marker")
        indent = len(raw) - len(raw.lstrip(" "))
        level = indent // 2
        if indent % 2 or level >= len(stack) or "\t" in raw[: indent + 1]:
            _fail(path, number, "unexpected indentation")
        if len(stack) > level + 1:
            del stack[level + 1 :]
        simple = _SIMPLE.match(stripped) if indent else None
        if simple is not None:  # `key "value"`: most lines, read without the tokenizer
            quoted_key, bare_key, quoted, bare = simple.groups()
            key = bare_key if quoted_key is None else quoted_key
            stack[-1][key] = _value(bare) if quoted is None else quoted
            continue
        header = _HEADER.match(stripped)
        if header is not None:
            quoted, bare = header.groups()
            keys, value, opens = [quoted if bare is None else str(_value(bare))], None, True
        else:
            keys, value, opens = _line(path, number, stripped)
        if opens:
            child: dict[str, Any] = {}
            for key in keys:
                stack[-1][key] = child
            if indent == 0:
                blocks.append(Block(tuple(keys), child, number))
            stack.append(child)
        elif indent == 0:
            _fail(path, number, f"expected a block like '{keys[0]}:'")
        else:
            for key in keys:
                stack[-1][key] = value
    return blocks


def _fits(indent: int, stack: list[dict[str, Any]]) -> bool:
    """An even indentation no deeper than one level inside the open maps."""
    return not indent % 2 and indent // 2 < len(stack)


def _line(path: Path, number: int, text: str) -> tuple[list[str], object, bool]:
    """(keys, value, opens a block) for one line's content."""
    tokens = _tokens(path, number, text)
    if tokens[0] in (":", ","):
        _fail(path, number, f"expected a key, found {tokens[0]!r}")
    keys = [_value(tokens[0])]
    at = 1
    while at + 1 < len(tokens) and tokens[at] == ",":
        keys.append(_value(tokens[at + 1]))
        at += 2
    colon = at < len(tokens) and tokens[at] == ":"
    at += colon
    rest = tokens[at:]
    if not rest and colon:
        return [str(k) for k in keys], None, True
    if len(rest) != 1 or rest[0] in (":", ","):
        _fail(path, number, f"cannot read {text[:60]!r}")
    return [str(k) for k in keys], _value(rest[0]), False


def _tokens(path: Path, number: int, text: str) -> list[str]:
    tokens: list[str] = []
    at = 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            _fail(path, number, f"unexpected character {text[at : at + 1]!r}")
        tokens.append(match.group(match.lastindex or 0))
        at = match.end()
        if _BLANK.match(text, at):
            break
    return tokens


def _value(token: str) -> Any:
    if token.startswith('"'):
        return json.loads(token)
    if token in ("true", "false"):
        return token == "true"
    return token


def _fail(path: Path, line: int, problem: str) -> NoReturn:
    raise LockfileError(str(path), line, f"invalid yarn.lock: {problem}", tip=_TIP)
