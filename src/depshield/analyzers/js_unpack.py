"""Static unpacking of Dean Edwards' packer (`eval(function(p,a,c,k,e,d){...}(...))`)."""

from __future__ import annotations

import re

from depshield.analyzers.js_text import unescape

MAX_WORDS = 50_000  # the packer's dictionary size `c`; larger ones are not worth rebuilding
MAX_PAYLOAD = 4 << 20
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
    """(offset of the `eval`, unpacked program) for each packer call in `text`."""
    if "p,a,c,k,e," not in text:
        return []
    out = []
    for m in _PACKED.finditer(text):
        radix, count = int(m.group("a")), int(m.group("c"))
        payload = m.group("p")
        if not 2 <= radix <= 62 or count > MAX_WORDS or len(payload) > MAX_PAYLOAD:
            continue
        words = unescape(m.group("k")).split("|")
        out.append((m.start(), _substitute(unescape(payload), words, radix, count)))
    return out


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
