"""Bounded, pure decoders for literal payloads (base64, hex, zlib, rot13...) used by folding."""

from __future__ import annotations

import base64
import binascii
import bz2
import codecs
import lzma
import urllib.parse
import zlib
from collections.abc import Callable

# Decoded values larger than this are not followed: enough for any module name or script,
# small enough that a decompression bomb in a literal cannot exhaust memory.
MAX_LEN = 2_000_000


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode("latin-1", "ignore") if isinstance(value, str) else value


def inflate(data: bytes, wbits: int = 47) -> bytes | None:
    """zlib/gzip decompression of at most MAX_LEN bytes (wbits 47 = auto-detect header)."""
    try:
        return zlib.decompressobj(wbits).decompress(data, MAX_LEN)
    except zlib.error:
        return None


def _bz2(data: bytes) -> bytes | None:
    try:
        return bz2.BZ2Decompressor().decompress(data, MAX_LEN)
    except (OSError, ValueError, EOFError):
        return None


def _lzma(data: bytes) -> bytes | None:
    try:
        return lzma.LZMADecompressor().decompress(data, MAX_LEN)
    except (lzma.LZMAError, ValueError, EOFError):
        return None


def _b64(fn: Callable[[bytes], bytes]) -> Callable[[str | bytes], bytes | None]:
    def decode(value: str | bytes) -> bytes | None:
        try:
            return fn(_as_bytes(value))
        except (binascii.Error, ValueError):
            return None

    return decode


def _hex(value: str | bytes) -> bytes | None:
    try:
        text = value.decode("ascii") if isinstance(value, bytes) else value
        return bytes.fromhex(text)
    except (ValueError, UnicodeDecodeError):
        return None


def _b64_loose(data: bytes) -> bytes:
    return base64.b64decode(data + b"=" * (-len(data) % 4))


# call name -> (decoder, how); decoders return None when the literal is not valid input.
DECODE_CALLS: dict[str, tuple[Callable[[str | bytes], bytes | None], str]] = {
    "base64.b64decode": (_b64(_b64_loose), "base64"),
    "base64.standard_b64decode": (_b64(_b64_loose), "base64"),
    "base64.decodebytes": (_b64(base64.decodebytes), "base64"),
    "base64.decodestring": (_b64(base64.decodebytes), "base64"),
    "base64.urlsafe_b64decode": (_b64(base64.urlsafe_b64decode), "base64"),
    "base64.b32decode": (_b64(base64.b32decode), "base64"),
    "base64.b16decode": (_b64(lambda b: base64.b16decode(b, casefold=True)), "base64"),
    "base64.b85decode": (_b64(base64.b85decode), "base64"),
    "base64.a85decode": (_b64(base64.a85decode), "base64"),
    "binascii.a2b_base64": (_b64(binascii.a2b_base64), "base64"),
    "bytes.fromhex": (_hex, "hex"),
    "bytearray.fromhex": (_hex, "hex"),
    "binascii.unhexlify": (_hex, "hex"),
    "binascii.a2b_hex": (_hex, "hex"),
    "zlib.decompress": (lambda v: inflate(_as_bytes(v)), "zlib"),
    "gzip.decompress": (lambda v: inflate(_as_bytes(v), 31), "gzip"),
    "bz2.decompress": (lambda v: _bz2(_as_bytes(v)), "bz2"),
    "lzma.decompress": (lambda v: _lzma(_as_bytes(v)), "lzma"),
}


def codec(value: str | bytes, encoding: str) -> tuple[str | bytes, str] | None:
    """`codecs.decode(value, encoding)` (and py2 `str.decode(encoding)`) for literal values."""
    enc = encoding.lower().replace("-", "_")
    if enc in ("rot13", "rot_13"):
        text = value if isinstance(value, str) else value.decode("latin-1")
        return codecs.decode(text, "rot13"), "rot13"
    table = {
        "hex": "bytes.fromhex",
        "hex_codec": "bytes.fromhex",
        "base64": "base64.b64decode",
        "base_64": "base64.b64decode",
        "base64_codec": "base64.b64decode",
        "zlib": "zlib.decompress",
        "zlib_codec": "zlib.decompress",
        "zip": "zlib.decompress",
        "bz2": "bz2.decompress",
        "bz2_codec": "bz2.decompress",
    }
    if enc in table:
        fn, how = DECODE_CALLS[table[enc]]
        out = fn(value)
        return (out, how) if out is not None else None
    if isinstance(value, bytes):
        try:
            return value.decode(enc), "codec"
        except (LookupError, UnicodeDecodeError, TypeError):
            return None
    return None


def unquote(value: str | bytes) -> tuple[str | bytes, str]:
    text = value if isinstance(value, str) else value.decode("latin-1")
    return urllib.parse.unquote(text), "unquote"


_DECODING_CODECS = {
    "rot13": "rot13",
    "rot_13": "rot13",
    "hex": "hex",
    "hex_codec": "hex",
    "base64": "base64",
    "base_64": "base64",
    "base64_codec": "base64",
    "zlib": "zlib",
    "zlib_codec": "zlib",
    "zip": "zlib",
    "bz2": "bz2",
    "bz2_codec": "bz2",
    "uu": "uu",
    "uu_codec": "uu",
}


def codec_how(encoding: str) -> str | None:
    """The decoding a codec name performs (`rot13`, `base64`...), None for text encodings."""
    return _DECODING_CODECS.get(encoding.lower().replace("-", "_"))
