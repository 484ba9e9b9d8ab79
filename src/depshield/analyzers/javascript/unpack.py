"""Static unpacking of Dean Edwards' packer (`eval(function(p,a,c,k,e,d){...}(...))`)."""

from __future__ import annotations

import re

from depshield.analyzers.javascript.text import unescape

MAX_WORDS = 50_000  # the packer's dictionary size `c`; larger ones are not worth rebuilding
MAX_PAYLOAD = 4 << 20
MAX_PROGRAM = 8 << 20  # characters of unpacked code analysed
MAX_CALLS = 8  # packer calls tried per file
_MARK = "eval(function(p,a,c,k,e,"
# The packer's call: a payload string, the radix `a`, the word count `c`, and the word list
# `'w0|w1|...'.split('|')`. The same body the packer always emits decodes the words, so
# rebuilding the substitution is all it takes to see the program it hides.
_PACKED = re.compile(
    r"eval\(function\(p,a,c,k,e,[dr]\)\{.{0,600}?\}\("
    r"(['\"])(?P<p>(?:\\.|(?!\1).)*)\1\s*,\s*(?P<a>\d+)\s*,\s*(?P<c>\d+)\s*,\s*"
    r"(['\"])(?P<k>(?:\\.|(?!\5).)*)\5\.split\(\s*['\"]\|['\"]\s*\)",
    re.DOTALL,
)
_WORD = re.compile(r"\b\w+\b")


def unpack(text: str) -> list[tuple[int, str]]:
    """(offset of the `eval`, unpacked program) for each packer call in `text` (the first
    MAX_CALLS; each is matched within a bounded window so hostile text stays linear)."""
    out: list[tuple[int, str]] = []
    start = text.find(_MARK)
    for _ in range(MAX_CALLS):
        if start == -1:
            break
        m = _PACKED.match(text, start, start + 2 * MAX_PAYLOAD)
        if m is not None:
            program = _program(m)
            if program is not None:
                out.append((start, program))
        start = text.find(_MARK, start + len(_MARK))
    return out


def _program(m: re.Match[str]) -> str | None:
    radix, count = int(m.group("a")), int(m.group("c"))
    payload = unescape(m.group("p"))
    if not 2 <= radix <= 62 or count > MAX_WORDS or len(payload) > MAX_PAYLOAD:
        return None
    words = unescape(m.group("k")).split("|")
    # Every word could stand for the longest one: refuse payloads that would balloon.
    longest = max((len(w) for w in words), default=0)
    if len(payload) + sum(1 for _ in _WORD.finditer(payload)) * longest > MAX_PROGRAM:
        return None
    return _substitute(payload, words, radix, count)


def _substitute(payload: str, words: list[str], radix: int, count: int) -> str:
    """The packer's own decoding: word number i (written in base `radix`) -> words[i]."""
    table = {}
    for i in range(count):
        code = _encode(i, radix)
        table[code] = words[i] if i < len(words) and words[i] else code
    return _WORD.sub(lambda w: table.get(w.group(0), w.group(0)), payload)


def _encode(n: int, radix: int) -> str:
    """The packer's `e(c)`: base `radix` with digits 0-9, a-z, then A-Z (from char 65)."""
    digits = []
    while True:
        n, rem = divmod(n, radix)
        digits.append(chr(rem + 29) if rem > 35 else "0123456789abcdefghijklmnopqrstuvwxyz"[rem])
        if n == 0:
            break
    return "".join(reversed(digits))
