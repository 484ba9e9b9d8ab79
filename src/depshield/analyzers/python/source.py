"""Turning Python file bytes into text: PEP 263 decoding, .pth import lines, evidence snippets."""

from __future__ import annotations

import io
import tokenize

EVIDENCE_MAX = 120


def decode_source(data: bytes) -> str:
    """Decode `data` the way CPython would (BOM, PEP 263 cookie), else as latin-1.

    A wrong or exotic cookie must not hide the code: latin-1 maps every byte to a character, so
    the analysis still sees the ASCII structure (the unicode analyzer reports badEncoding).
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except (SyntaxError, LookupError):
        encoding = "utf-8"
    for candidate in (encoding, "utf-8"):
        try:
            text = data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        return text[1:] if text.startswith("\ufeff") else text
    return data.decode("latin-1")


def pth_source(text: str) -> str:
    """Keep only the lines site.py executes in a .pth file (`import ...`), blanking the others.

    site.py runs every line starting with "import " or "import\\t" at interpreter start; other
    lines are paths. Blanking keeps line numbers.
    """
    kept = [line if line.startswith(("import ", "import\t")) else "" for line in text.splitlines()]
    return "\n".join(kept) + "\n"


def pth_has_code(text: str) -> bool:
    """True when a .pth file holds at least one executed `import` line."""
    return any(line.startswith(("import ", "import\t")) for line in text.splitlines())


def count_loc(text: str) -> int:
    """Lines holding code: not blank, not only a comment."""
    count = 0
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            count += 1
    return count


def char_column(line: str, byte_col: int) -> int:
    """ast column offsets count UTF-8 bytes; convert to characters for the evidence cut."""
    if line.isascii():
        return byte_col
    return len(line.encode("utf-8", "surrogatepass")[:byte_col].decode("utf-8", "ignore"))


def snippet(line: str, start: int = 0, end: int | None = None) -> str:
    """The part of `line` from `start` (to `end`), stripped and cut to EVIDENCE_MAX characters."""
    text = line[start:end].strip() if end is not None and end > start else line[start:].strip()
    if not text:
        text = line.strip()
    if len(text) > EVIDENCE_MAX:
        text = text[: EVIDENCE_MAX - 3] + "..."
    return text
