"""Folded values and the pure functions and methods folding may evaluate on them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from depshield.analyzers.python import decode

Value: TypeAlias = "str | bytes | int | tuple[Value, ...]"
MAX_LEN = decode.MAX_LEN
MAX_ITEMS = 20_000

# Transformations that hide content (as opposed to merely assembling it from parts).
DECODING = frozenset(
    {
        "builtin-repr",
        "base64",
        "hex",
        "zlib",
        "gzip",
        "bz2",
        "lzma",
        "rot13",
        "chr",
        "reverse",
        "bytes",
        "unquote",
        "map",
    }
)


@dataclass(frozen=True, slots=True)
class Folded:
    """A value computed from literals, and the transformations that produced it."""

    value: Value
    how: frozenset[str] = frozenset()

    @property
    def decoded(self) -> bool:
        return bool(self.how & DECODING)

    @property
    def text(self) -> str | None:
        """The value as text when it is a string or bytes (bytes as latin-1)."""
        if isinstance(self.value, bytes):
            return self.value.decode("latin-1")
        return self.value if isinstance(self.value, str) else None


def size_ok(value: Value) -> bool:
    if isinstance(value, int):
        return abs(value) < 2**64
    return len(value) <= MAX_LEN


def how_of(*parts: Folded, extra: str | None = None) -> frozenset[str]:
    how: frozenset[str] = frozenset().union(*(p.how for p in parts))
    return how | {extra} if extra else how


def to_seq(value: Value) -> tuple[Value, ...] | None:
    """Iterate a folded value the way a for loop would (str -> chars, bytes -> ints)."""
    if isinstance(value, tuple):
        return value
    if isinstance(value, str):
        return tuple(value)
    if isinstance(value, bytes):
        return tuple(value)
    return None


def _text_of(value: Value) -> str | None:
    return value if isinstance(value, str) else None


def _chr(args: list[Value]) -> tuple[Value, str] | None:
    (code,) = args
    return (chr(code), "chr") if isinstance(code, int) else None


def _bytes(args: list[Value]) -> tuple[Value, str] | None:
    first = args[0]
    if isinstance(first, tuple) and all(isinstance(i, int) for i in first):
        return bytes(first), "bytes"  # type: ignore[arg-type]
    if isinstance(first, str) and len(args) == 2 and isinstance(args[1], str):
        return first.encode(args[1]), "codec"
    return (first, "bytes") if isinstance(first, bytes) else None


def _reversed(args: list[Value]) -> tuple[Value, str] | None:
    (seq,) = args
    return (seq[::-1], "reverse") if not isinstance(seq, int) else None


def _int(args: list[Value]) -> tuple[Value, str] | None:
    if isinstance(args[0], str) and len(args[0]) <= 64:
        base = args[1] if len(args) > 1 else 10
        return (int(args[0], base), "int") if isinstance(base, int) else None
    return (args[0], "int") if isinstance(args[0], int) else None


def _range(args: list[Value]) -> tuple[Value, str] | None:
    if not all(isinstance(a, int) for a in args) or not 1 <= len(args) <= 3:
        return None
    values = range(*args)  # type: ignore[arg-type]
    return (tuple(values), "range") if len(values) <= MAX_ITEMS else None


def _codecs(args: list[Value]) -> tuple[Value, str] | None:
    if len(args) != 2 or not isinstance(args[1], str) or isinstance(args[0], int | tuple):
        return None
    return decode.codec(args[0], args[1])


def _decoder(name: str) -> Callable[[list[Value]], tuple[Value, str] | None]:
    fn, how = decode.DECODE_CALLS[name]

    def run(args: list[Value]) -> tuple[Value, str] | None:
        if not isinstance(args[0], str | bytes):
            return None
        out = fn(args[0])
        return (out, how) if out is not None else None

    return run


def _unquote(args: list[Value]) -> tuple[Value, str] | None:
    return decode.unquote(args[0]) if isinstance(args[0], str | bytes) else None


_CALLS: dict[str, Callable[[list[Value]], tuple[Value, str] | None]] = {
    "chr": _chr,
    "unichr": _chr,
    "ord": lambda a: (ord(a[0]), "ord") if isinstance(a[0], str | bytes) else None,
    "str": lambda a: (a[0] if isinstance(a[0], str) else str(a[0]), "str"),
    "bytes": _bytes,
    "bytearray": _bytes,
    "int": _int,
    "reversed": _reversed,
    "list": lambda a: (seq, "list") if (seq := to_seq(a[0])) is not None else None,
    "tuple": lambda a: (seq, "list") if (seq := to_seq(a[0])) is not None else None,
    "range": _range,
    "xrange": _range,
    "codecs.decode": _codecs,
    "codecs.encode": _codecs,
    "urllib.parse.unquote": _unquote,
    "urllib.parse.unquote_plus": _unquote,
    "urllib.unquote": _unquote,
    **{name: _decoder(name) for name in decode.DECODE_CALLS},
}


def fold_call(name: str, args: list[Folded]) -> Folded | None:
    """Evaluate a call to a known pure function on folded arguments."""
    fn = _CALLS.get(name)
    if fn is None or not args:
        return None
    got = fn([a.value for a in args])
    if got is None:
        return None
    value, how = got
    return Folded(value, how_of(*args, extra=how)) if size_ok(value) else None


_CASE = frozenset(
    {"lower", "upper", "strip", "lstrip", "rstrip", "swapcase", "title", "capitalize"}
)
_FORMAT_FIELD = re.compile(r"\{(\d*)\}")


def _format(template: str, args: tuple[Value, ...]) -> str | None:
    if re.search(r"\{(?!\d*\})", template.replace("{{", "").replace("}}", "")):
        return None  # named or formatted fields: not evaluated
    counter = iter(range(len(args)))

    def field(match: re.Match[str]) -> str:
        index = int(match.group(1)) if match.group(1) else next(counter)
        value = args[index]
        return value if isinstance(value, str) else str(value)

    return _FORMAT_FIELD.sub(field, template).replace("{{", "{").replace("}}", "}")


def _method(recv: Value, attr: str, args: tuple[Value, ...]) -> tuple[Value, str] | None:
    if isinstance(recv, int | tuple):
        return None
    if attr == "join" and len(args) == 1:
        items = to_seq(args[0]) if not isinstance(args[0], bytes) else None
        if items is None:
            return None
        if isinstance(recv, str):
            texts = [i for i in items if isinstance(i, str)]
            return (recv.join(texts), "join") if len(texts) == len(items) else None
        blobs = [i for i in items if isinstance(i, bytes)]
        return (recv.join(blobs), "join") if len(blobs) == len(items) else None
    if attr == "decode":
        enc = _text_of(args[0]) if args else "utf-8"
        return decode.codec(recv, enc) if enc else None
    if attr == "encode" and isinstance(recv, str):
        enc = (_text_of(args[0]) if args else "utf-8") or ""
        if enc.lower().replace("-", "_") in ("rot13", "rot_13"):
            return decode.codec(recv, enc)
        return recv.encode(enc), "codec"
    if attr == "replace" and len(args) == 2 and all(type(a) is type(recv) for a in args):
        return recv.replace(args[0], args[1]), "replace"  # type: ignore[arg-type]
    if attr in _CASE and not args:
        return getattr(recv, attr)(), "case"
    if attr == "format" and isinstance(recv, str):
        out = _format(recv, args)
        return (out, "format") if out is not None else None
    if attr == "split" and len(args) <= 1 and all(type(a) is type(recv) for a in args):
        return tuple(recv.split(*args)), "split"  # type: ignore[arg-type]
    return None


def fold_method(receiver: Folded, attr: str, args: list[Folded]) -> Folded | None:
    """Evaluate a str/bytes method on a folded receiver."""
    got = _method(receiver.value, attr, tuple(a.value for a in args))
    if got is None:
        return None
    value, how = got
    return Folded(value, how_of(receiver, *args, extra=how)) if size_ok(value) else None
