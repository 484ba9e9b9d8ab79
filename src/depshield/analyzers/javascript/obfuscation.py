"""Obfuscated versus minified: obfuscators hide names and strings, minifiers only shorten code."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MIN_MINIFIED = 2000  # characters: smaller files are not worth calling minified

# Each tell of an obfuscator, with how sure it makes us on its own.
_PACKED = re.compile(r"eval\(\s*function\s*\(\s*p\s*,\s*a\s*,\s*c\s*,\s*k\s*,\s*e\s*,\s*[rd]\s*\)")
_ROTATE = re.compile(
    r"""\[\s*['"]push['"]\s*\]\s*\(\s*[\w$]+\s*\[\s*['"]shift['"]\s*\]\s*\(\s*\)\s*\)"""
    r"|\.push\(\s*([\w$]+)\.shift\(\)\s*\)"
)
# javascript-obfuscator's rotation loop: while(!![]){try{... parseInt(f(0x1bd))/0x1 ...}}
_ROTATE_LOOP = re.compile(r"while\s*\(\s*!!\[\]\s*\)|parseInt\([\w$]+\(0x[0-9a-f]+\)\)", re.I)
# function a(){var s=['..',..];a=function(){return s;};return a();}
_ARRAY_GETTER = re.compile(
    r"function\s+([\w$]+)\s*\(\)\s*\{\s*(?:var|const|let)\s+([\w$]+)\s*=\s*\[[^\]]*\];?\s*"
    r"\1\s*=\s*function\s*\(\)\s*\{\s*return\s+\2;?\s*\};?\s*return\s+\1\(\)"
)
# Control-flow flattening turns `a === b` into `o['lxOro'](a, b)` with
# `'lxOro': function(d, e) { return d === e; }` entries keyed by random five-letter names.
_OP_WRAPPER = re.compile(
    r"['\"][A-Za-z]{5}['\"]\s*:\s*function\s*\([\w$]+\s*,\s*[\w$]+\)\s*\{\s*return\s+"
    r"[\w$]+\s*(?:[-+*/%<>&|^]|[=!]==?|<=|>=|<<|>>>?|&&|\|\|)\s*[\w$]+;?\s*\}"
)
_HEX_NAME = re.compile(r"\b_0x[0-9a-fA-F]{3,}\b")
_ASCII_ESCAPE = re.compile(r"\\x[2-7][0-9a-fA-F]|\\u00[2-7][0-9a-fA-F]")
_JSFUCK = re.compile(r"[\[\]()!+]{400,}")
_ENCODERS = re.compile(r"\$=~\[\];|ﾟωﾟﾉ|\(ﾟДﾟ\)|\[\]\[\(!\[\]\+\[\]\)\[\+\[\]\]")


LONG_LITERAL = 200  # bytes: string literals this long are data, not code


@dataclass(frozen=True, slots=True)
class Verdict:
    type: str  # "obfuscatedFile" or "minifiedFile"
    confidence: float
    line: int
    evidence: str


def classify(text: str, source: bytes, literals: Iterable[tuple[int, int]] = ()) -> Verdict | None:
    """obfuscatedFile, minifiedFile, or None for ordinary source. `literals` are the byte
    ranges of the file's string literals in `source` (its UTF-8 bytes)."""
    tells = _obfuscation_tells(text)
    if tells:
        confidence = max(c for c, _, _ in tells)
        if len(tells) > 1:
            confidence = min(0.99, confidence + 0.05 * (len(tells) - 1))
        _, offset, why = max(tells)
        return Verdict("obfuscatedFile", round(confidence, 2), _line(text, offset), why)
    return _minified(_without_long_literals(source, literals))


def _without_long_literals(source: bytes, literals: Iterable[tuple[int, int]]) -> bytes:
    """The source with long string literals (embedded assets, data tables) emptied."""
    parts, last = [], 0
    for start, end in sorted(literals):
        if end - start > LONG_LITERAL and start >= last:
            parts.append(source[last : start + 1])
            last = end - 1
    parts.append(source[last:])
    return b"".join(parts)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _obfuscation_tells(text: str) -> list[tuple[float, int, str]]:
    tells: list[tuple[float, int, str]] = []
    m = _PACKED.search(text)
    if m:
        tells.append((0.95, m.start(), "packed eval(function(p,a,c,k,e,d))"))
    names = [(n.start(), n.group(0)) for n in _HEX_NAME.finditer(text)]
    distinct = {n for _, n in names}
    rotate = _ROTATE.search(text)
    if rotate and (len(distinct) >= 3 or _ROTATE_LOOP.search(text)):
        tells.append((0.95, rotate.start(), f"string-array rotation ({len(distinct)} _0x names)"))
    elif len(distinct) >= 8 and len(names) >= 20:
        confidence = 0.7 + min(0.25, len(names) / 2000)
        tells.append(
            (confidence, names[0][0], f"{len(names)} _0x identifiers ({len(distinct)} distinct)")
        )
    m = _ARRAY_GETTER.search(text)
    if m:
        tells.append((0.9, m.start(), "self-replacing string-array function"))
    wrappers = _OP_WRAPPER.findall(text)
    if len(wrappers) >= 5:
        first = _OP_WRAPPER.search(text)
        where = first.start() if first else 0
        tells.append((0.8, where, f"{len(wrappers)} control-flow operator wrappers"))
    escapes = _ASCII_ESCAPE.findall(text)
    if len(escapes) >= 40 and (len(escapes) * 4 >= len(text) * 0.1 or len(escapes) >= 400):
        first = _ASCII_ESCAPE.search(text)
        where = first.start() if first else 0
        tells.append((0.75, where, f"{len(escapes)} hex escapes of plain ASCII"))
    m = _JSFUCK.search(text) or _ENCODERS.search(text)
    if m:
        tells.append((0.9, m.start(), "JSFuck/jjencode/aaencode symbol soup"))
    return tells


def _minified(code: bytes) -> Verdict | None:
    """Long, dense lines of code: what minifiers and bundlers emit. Long literals are already
    emptied, so a data file holding one long string is not "minified" but a bundle with
    inlined assets still is."""
    size = len(code)
    if size < MIN_MINIFIED:
        return None
    long_chars = longest = dense = 0
    lines = code.split(b"\n")
    for line in lines:
        n = len(line)
        longest = max(longest, n)
        if n >= 500:
            long_chars += n
            dense += line.count(b";") + line.count(b"{") + line.count(b",")
    if long_chars < size * 0.5 or dense * 1000 < long_chars * 15:
        return None
    spaces = code.count(b" ") / size
    confidence = 0.6 + min(0.2, long_chars / size * 0.2) + (0.15 if spaces < 0.1 else 0.0)
    return Verdict(
        "minifiedFile",
        round(min(confidence, 0.95), 2),
        1,
        f"{len(lines)} line(s), {size} bytes of code, longest line {longest}",
    )
