"""The string decoders obfuscator.io emits (plain, base64, RC4), replayed as data, and parseInt."""

from __future__ import annotations

import base64
import binascii
import math
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from depshield.analyzers.javascript.strarray import Decoder

# obfuscator.io's own base64 alphabet puts the lower-case letters first; some forks keep the
# standard one. The decoder spells its alphabet out, so the kind is read off its text.
LOWER_FIRST = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/="
STANDARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_SWAP = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
)
_RC4 = re.compile(r"%\s*(?:0x100|256)\b")
_PARSE_INT = re.compile(r"\s*([+-]?)(0[xX][0-9a-fA-F]+|\d+)")
MAX_DECODED = 1 << 16


def kind_of(decoder_text: str) -> tuple[str, str]:
    """("plain" | "base64" | "rc4", alphabet) from the decoder function's source."""
    alphabet = ""
    if LOWER_FIRST in decoder_text:
        alphabet = LOWER_FIRST
    elif STANDARD in decoder_text:
        alphabet = STANDARD
    if not alphabet:
        return "plain", ""
    return ("rc4" if _RC4.search(decoder_text) else "base64"), alphabet


def decode_one(decoder: Decoder, raw: str, key: str | None) -> str | None:
    """The string the decoder returns for array element `raw` (RC4 needs the call's key)."""
    if decoder.kind == "plain":
        return raw
    text = _base64(raw, decoder.alphabet)
    if text is None or decoder.kind == "base64":
        return text
    return rc4(text, key) if key else None


def _base64(raw: str, alphabet: str) -> str | None:
    """atob over the decoder's alphabet, then decodeURIComponent (UTF-8), as the decoder does."""
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", raw)
    if alphabet == LOWER_FIRST:
        cleaned = cleaned.translate(_SWAP)
    if len(cleaned) % 4 == 1:
        cleaned = cleaned[:-1]  # the decoder's loop drops a lone trailing sextet
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        data = base64.b64decode(cleaned)
    except (binascii.Error, ValueError):
        return None
    try:
        return data.decode("utf-8")[:MAX_DECODED]
    except UnicodeDecodeError:
        return None  # decodeURIComponent throws: the wrong alphabet or not this decoder's


def rc4(text: str, key: str) -> str:
    """RC4 over the decoded text's character codes with the call's key."""
    s = list(range(256))
    j = 0
    codes = [ord(c) for c in key]
    for i in range(256):
        j = (j + s[i] + codes[i % len(codes)]) % 256
        s[i], s[j] = s[j], s[i]
    out = []
    i = j = 0
    for ch in text[:MAX_DECODED]:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(chr(ord(ch) ^ s[(s[i] + s[j]) % 256]))
    return "".join(out)


def parse_int(text: str) -> float:
    """JavaScript's parseInt(text) with no radix: leading integer prefix, else NaN."""
    m = _PARSE_INT.match(text)
    if m is None:
        return math.nan
    value = float(int(m.group(2), 0) if m.group(2)[:2].lower() == "0x" else int(m.group(2)))
    return -value if m.group(1) == "-" else value
