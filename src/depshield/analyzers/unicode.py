"""Trojan-Source and confusable Unicode in source files: bidi, invisible and mixed-script text."""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterator

from depshield.model import FileAnalysis, Finding

# Text that runs: code, shell, and package.json (its scripts). Other JSON and Markdown are
# natural-language data where joiners and bidi marks are ordinary, so they are left out.
_EXTENSIONS = (
    ".js", ".cjs", ".mjs", ".jsx", ".ts", ".tsx", ".mts", ".cts", ".py", ".pyw", ".pyi", ".pth",
    ".sh", ".bash", ".zsh", ".bat", ".cmd", ".ps1", ".psm1",
)  # fmt: skip
_NAMES = ("package.json",)
_MAX_PER_TYPE = 10  # a file full of them is one story; the first few say where it starts

_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_SUSPECT = re.compile(
    "[\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200d\u202a-\u202e\u2060-\u2064"
    "\u2066-\u2069\u3164\ufeff\uffa0\U000e0000-\U000e007f\U000e0100-\U000e01ef]"
)
# Cyrillic and Greek letters drawn like Latin ones (Unicode confusables.txt, the common subset).
_CONFUSABLE = (
    "\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0455\u0456\u0458\u04bb\u04cf\u0501\u051b"
    "\u051d\u0405\u0406\u0408\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422"
    "\u0425\u03bf\u03b1\u03bd\u03b9\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d"
    "\u039f\u03a1\u03a4\u03a5\u03a7"
)
_CONFUSABLE_RE = re.compile(f"[{_CONFUSABLE}]")
_LATIN = re.compile("[A-Za-z]")
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)


class UnicodeAnalyzer:
    """Finds bidi controls, zero-width and invisible characters, homoglyphs and bad encodings."""

    name = "unicode"
    version = "1"

    def wants(self, path: str) -> bool:
        lowered = path.lower()
        return lowered.endswith(_EXTENSIONS) or lowered.rsplit("/", 1)[-1] in _NAMES

    def analyze(self, path: str, data: bytes) -> FileAnalysis:
        if data.isascii():  # the common case, and nothing below can fire on ASCII
            return FileAnalysis(path, "text")
        text, findings = decode_source(path, data)
        findings.extend(_char_findings(path, text))
        findings.extend(_homoglyph_findings(path, text))
        return FileAnalysis(path, "text", tuple(findings))


def decode_source(path: str, data: bytes) -> tuple[str, list[Finding]]:
    """The text of `data` and a badEncoding finding when it is not UTF-8 (or declared)."""
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec, "replace"), []
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as err:
        bad_at = err.start
    declared = _declared_encoding(path, data)
    if declared is not None:  # PEP 263: `# -*- coding: latin-1 -*-` is a standard encoding
        try:
            return data.decode(declared), []
        except (UnicodeDecodeError, LookupError):
            pass
    guess = _guess_encoding(data)
    line = data.count(b"\n", 0, bad_at) + 1
    evidence = f"byte 0x{data[bad_at]:02x} is not UTF-8"
    finding = Finding("badEncoding", path, line, evidence, {"encoding": guess})
    return data.decode(guess, "replace"), [finding]


def _declared_encoding(path: str, data: bytes) -> str | None:
    if not path.lower().endswith((".py", ".pyw")):
        return None
    head = b"\n".join(data.split(b"\n", 2)[:2])
    m = _CODING.search(head)
    return m.group(1).decode("ascii") if m else None


def _guess_encoding(data: bytes) -> str:
    sample = data[:4096]
    nuls = sample.count(0)
    if nuls > len(sample) // 8:  # ASCII in UTF-16 is every other byte NUL
        return "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


class _Locator:
    """1-based (line, column) of increasing offsets, in time linear in the text overall."""

    def __init__(self, text: str) -> None:
        self._text, self._pos, self._line = text, 0, 1

    def at(self, pos: int) -> tuple[int, int]:
        self._line += self._text.count("\n", self._pos, pos)
        self._pos = pos
        return self._line, pos - self._text.rfind("\n", 0, pos)


def _char_findings(path: str, text: str) -> Iterator[Finding]:
    where = _Locator(text)
    counts = {"bidi": 0, "zeroWidth": 0, "invisibleChars": 0}
    for m in _SUSPECT.finditer(text):
        ch, pos = m.group(0), m.start()
        type_ = "bidi" if ch in _BIDI else "zeroWidth" if ch in _ZERO_WIDTH else "invisibleChars"
        if counts[type_] >= _MAX_PER_TYPE or _ordinary_use(text, pos):
            continue
        counts[type_] += 1
        line, column = where.at(pos)
        code = f"U+{ord(ch):04X}"
        props = {"char": code, "name": unicodedata.name(ch, code)}
        yield Finding(type_, path, line, _line_excerpt(text, pos), props, column=column)


def _ordinary_use(text: str, pos: int) -> bool:
    """Joiners and fillers inside non-Latin text, emoji tag sequences and ideographic variants
    are how scripts and emoji are written; the same characters next to ASCII code are not."""
    ch = text[pos]
    before = text[pos - 1] if pos else ""
    after = text[pos + 1] if pos + 1 < len(text) else ""
    if "\U000e0000" <= ch <= "\U000e007f":  # tag characters: flag emoji like England's
        i = pos
        while i > 0 and "\U000e0000" <= text[i - 1] <= "\U000e007f":
            i -= 1
        return i > 0 and text[i - 1] == "\U0001f3f4"
    if "\U000e0100" <= ch <= "\U000e01ef":  # ideographic variation selectors follow CJK
        return before != "" and unicodedata.category(before) == "Lo" and ord(before) > 0x2E80
    if ch in _BIDI:
        return False
    if ch == "\u00ad":  # a soft hyphen hides inside identifiers: `sys\u00adtem`
        return not (_is_word_char(before) and _is_word_char(after))
    return bool(before) and bool(after) and not before.isascii() and not after.isascii()


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _homoglyph_findings(path: str, text: str) -> Iterator[Finding]:
    if not _CONFUSABLE_RE.search(text):
        return
    where = _Locator(text)
    seen: set[str] = set()
    word_end = -1
    for m in _CONFUSABLE_RE.finditer(text):
        if m.start() < word_end:
            continue  # a later confusable letter of a word already looked at
        start, word_end = _word_span(text, m.start())
        word = text[start:word_end]
        if word in seen or not _LATIN.search(word) or len(seen) >= _MAX_PER_TYPE:
            continue
        seen.add(word)
        line, column = where.at(start)
        scripts = sorted({_script(c) for c in word if c.isalpha()})
        yield Finding(
            "homoglyphs",
            path,
            line,
            _line_excerpt(text, start),
            {"word": word, "scripts": scripts},
            column=column,
        )


def _word_span(text: str, pos: int) -> tuple[int, int]:
    start, end = pos, pos + 1
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_$"):
        start -= 1
    while end < len(text) and (text[end].isalnum() or text[end] in "_$"):
        end += 1
    if start > 0 and text[start - 1] == "\\":  # "\\nфыва": the n belongs to an escape
        start += 1
    return start, end


def _script(ch: str) -> str:
    if ch.isascii():
        return "Latin"
    return unicodedata.name(ch, "OTHER").split(" ", 1)[0].capitalize()


def _line_excerpt(text: str, pos: int) -> str:
    """Up to 60 characters either side of `pos` on its line, the invisible made visible."""
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    start = max(line_start, pos - 60)
    end = min(line_end if line_end != -1 else len(text), pos + 60)
    # Evidence is shown in terminals: name a hidden character instead of replaying it.
    return "".join(
        c if c.isprintable() and not _SUSPECT.match(c) else f"<U+{ord(c):04X}>"
        for c in text[start:end]
    ).strip()
