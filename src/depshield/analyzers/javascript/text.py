"""JavaScript text helpers: literal values, escape decoding, decoders, evidence, line counts."""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node

MAX_VALUE = 1 << 16  # folded or decoded strings longer than this are not worth following

_ESCAPE = re.compile(
    r"\\(?:x([0-9a-fA-F]{2})|u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|([0-7]{1,3})|(\r\n|[\s\S]))"
)
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}
_LINE_BREAKS = {"\n", "\r", "\r\n", "\u2028", "\u2029"}


def _escape(m: re.Match[str]) -> str:
    hex2, braced, hex4, octal, other = m.groups()
    code = hex2 or braced or hex4
    if code is not None:
        value = int(code, 16)
        return chr(value) if value <= 0x10FFFF else ""
    if octal is not None:
        return chr(int(octal, 8)) if octal != "0" else "\0"
    if other in _LINE_BREAKS:  # a line continuation
        return ""
    return _SIMPLE.get(other, other)


def unescape(raw: str) -> str:
    """The value of JavaScript string-literal text `raw` (between the quotes)."""
    if "\\" not in raw:
        return raw
    return _ESCAPE.sub(_escape, raw)


def literal_value(node: Node, source: bytes) -> str | None:
    """The value of a string node or of a template string without substitutions, else None."""
    kind = node.type
    if kind == "template_string":
        if any(c.type == "template_substitution" for c in node.named_children):
            return None
    elif kind != "string":
        return None
    start, end = node.start_byte, node.end_byte
    if end - start < 2:
        return ""
    return unescape(source[start + 1 : end - 1].decode("utf-8", "replace"))


_HIDDEN_ASCII = re.compile(rb"\\(x[3-7][0-9a-fA-F]|u00[3-7][0-9a-fA-F]|u\{[3-7][0-9a-fA-F]\})")


def hides_ascii(raw: bytes) -> bool:
    """True when a literal spells plain ASCII with escapes (`'\\x76\\x6d'` for 'vm'): no one
    writes a module or method name that way except to hide it."""
    return b"\\" in raw and _HIDDEN_ASCII.search(raw) is not None


def b64decode(text: str) -> bytes | None:
    """Lenient base64 (standard or URL-safe, padding optional), as Node's Buffer.from does."""
    cleaned = re.sub(r"[^A-Za-z0-9+/\-_]", "", text).replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned)
    except (binascii.Error, ValueError):
        return None


def hexdecode(text: str) -> bytes | None:
    """Hex to bytes; Node stops at the first bad pair, so do we."""
    m = re.match(r"(?:[0-9a-fA-F]{2})*", text)
    return bytes.fromhex(m.group(0)) if m else None


def decode_bytes(data: bytes, encoding: str) -> str:
    """`buffer.toString(encoding)` for the encodings code uses to hide strings."""
    enc = encoding.lower().replace("-", "")
    if enc == "base64":
        return base64.b64encode(data).decode()
    if enc == "hex":
        return data.hex()
    if enc in ("latin1", "binary", "ascii"):
        return data.decode("latin-1")
    return data.decode("utf-8", "replace")


def encode_text(text: str, encoding: str) -> bytes | None:
    """`Buffer.from(text, encoding)`, or None for an encoding not worth modelling."""
    enc = encoding.lower().replace("-", "")
    if enc in ("base64", "base64url"):
        return b64decode(text)
    if enc == "hex":
        return hexdecode(text)
    if enc in ("utf8", "utf16le", "ucs2"):
        return text.encode("utf-8", "replace")
    if enc in ("latin1", "binary", "ascii"):
        return text.encode("latin-1", "replace")
    return None


def js_unescape(text: str) -> str:
    """The global `unescape()`: %XX and %uXXXX."""
    return re.sub(
        r"%u([0-9a-fA-F]{4})|%([0-9a-fA-F]{2})",
        lambda m: chr(int(m.group(1) or m.group(2), 16)),
        text,
    )


def evidence(source: bytes, start: int, end: int, limit: int = 120) -> str:
    """A short one-line snippet of source[start:end], at most `limit` characters."""
    raw = source[start : min(end, start + limit * 4)].decode("utf-8", "replace")
    text = " ".join(raw.split())
    if len(text) > limit or end > start + limit * 4:
        text = text[: limit - 3] + "..."
    return text


def lines_of_code(text: str) -> int:
    """Non-blank lines that are not only a comment (approximate: block comments by prefix)."""
    count = 0
    in_block = False
    for line in text.splitlines():
        s = line.strip()
        if in_block:
            if "*/" in s:
                in_block = False
                s = s.split("*/", 1)[1].strip()
            else:
                continue
        if not s or s.startswith("//"):
            continue
        if s.startswith("/*"):
            if "*/" not in s:
                in_block = True
                continue
            s = s.split("*/", 1)[1].strip()
            if not s:
                continue
        count += 1
    return count
