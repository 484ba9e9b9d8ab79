"""JSON written piece by piece, byte for byte what `json.dumps(value, indent=2, default=str)` gives.

A 100,000-package report built as one dict and one string took about 1 GB (issue 17); the JSON
report writes each package as it is made instead. The standard encoder has no C speed-up once
`indent` is set, so this one is also the faster of the two.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

_encode_str: Callable[[str], str] = json.encoder.encode_basestring_ascii
_CONSTANTS = {True: "true", False: "false", None: "null"}


def dumps(value: Any, level: int = 0) -> str:
    """`value` as indented JSON whose first line starts at nesting `level` (2 spaces each)."""
    parts: list[str] = []
    _encode(value, level, parts.append)
    return "".join(parts)


def _encode(value: Any, level: int, put: Callable[[str], None]) -> None:
    if isinstance(value, str):
        put(_encode_str(value))
    elif value is None or value is True or value is False:
        put(_CONSTANTS[value])
    elif isinstance(value, int):
        put(int.__repr__(value))
    elif isinstance(value, float):
        put(_float(value))
    elif isinstance(value, dict):
        _mapping(value, level, put)
    elif isinstance(value, (list, tuple)):
        _sequence(value, level, put)
    else:
        _encode(str(value), level, put)  # what default=str does


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _mapping(value: dict[Any, Any], level: int, put: Callable[[str], None]) -> None:
    if not value:
        put("{}")
        return
    inner = "\n" + "  " * (level + 1)
    put("{")
    first = True
    for key, item in value.items():
        put(inner if first else "," + inner)
        first = False
        put(_encode_str(_key(key)) + ": ")
        if type(item) is str:  # the common leaves without a call each (100,000-package reports)
            put(_encode_str(item))
        elif item is None or item is True or item is False:
            put(_CONSTANTS[item])
        else:
            _encode(item, level + 1, put)
    put("\n" + "  " * level + "}")


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if key is None or key is True or key is False:
        return _CONSTANTS[key]
    if isinstance(key, float):
        return _float(key)
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _sequence(value: Iterable[Any], level: int, put: Callable[[str], None]) -> None:
    items = iter(value)
    first = next(items, _END)
    if first is _END:
        put("[]")
        return
    inner = "\n" + "  " * (level + 1)
    put("[" + inner)
    _encode(first, level + 1, put)
    for item in items:
        put("," + inner)
        _encode(item, level + 1, put)
    put("\n" + "  " * level + "]")


_END = object()


def write_list(items: Iterable[Any], level: int, write: Callable[[str], object]) -> None:
    """A JSON list at `level` whose items are made, encoded and written one at a time."""
    inner = "\n" + "  " * (level + 1)
    opened = False
    for item in items:
        write(("," if opened else "[") + inner + dumps(item, level + 1))
        opened = True
    write("\n" + "  " * level + "]" if opened else "[]")
