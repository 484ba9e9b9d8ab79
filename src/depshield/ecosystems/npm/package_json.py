"""Loading package.json from raw bytes, with the line of each key for precise findings."""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import Any

from depshield.model import Finding

PACKAGE_JSON = "package.json"
# One JSON string token; its text is then decoded by json itself (escapes, surrogates).
_JSON_TYPES: dict[type, str] = {
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
}
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


@dataclass(frozen=True, slots=True)
class PackageJson:
    """A parsed package.json object and the 1-based line of its keys (paths of up to 3 keys)."""

    data: dict[str, Any]
    lines: dict[tuple[str, ...], int] = field(default_factory=dict)

    def line(self, *path: str) -> int:
        """Line of the key at `path` ("scripts", "postinstall"), else of its parent, else 0."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return 0


def load(raw: bytes | None) -> PackageJson | Finding:
    """The parsed package.json, or the invalidPackageJSON finding that says why it is unusable."""
    if raw is None:
        return _invalid("no package.json at the package root", 0)
    try:
        # npm strips a leading byte-order mark before parsing (json-parse-even-better-errors).
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return _invalid(f"package.json is not UTF-8: {exc.reason}", line)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return _invalid(f"package.json does not parse: {exc.msg}", exc.lineno)
    except RecursionError:
        return _invalid("package.json nests too deeply", 0)
    if not isinstance(data, dict):  # null too: npm needs an object
        kind = _JSON_TYPES.get(type(data), "value")
        return _invalid(f"package.json is a JSON {kind}, not an object", 1)
    return PackageJson(data, key_lines(text))


def _invalid(reason: str, line: int) -> Finding:
    return Finding("invalidPackageJSON", PACKAGE_JSON, line, reason, {"reason": reason})


def key_lines(text: str, max_depth: int = 3) -> dict[tuple[str, ...], int]:
    """Line of every object key up to `max_depth` nested objects deep, in valid JSON `text`.

    When a key repeats, the last occurrence wins, as it does for JSON.parse and json.loads: the
    line then points at the value npm actually uses.
    """
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]
    lines: dict[tuple[str, ...], int] = {}
    # One entry per open container: the key path of an object, or None inside an array.
    stack: list[tuple[str, ...] | None] = []
    pending: str | None = None  # the last key read, waiting for its value
    expect_key = False
    i, end = 0, len(text)
    while i < end:
        ch = text[i]
        if ch == '"':
            token = _STRING.match(text, i)
            if token is None:  # unreachable for text json.loads accepted
                break
            value, after = json.loads(token.group()), token.end()
            top = stack[-1] if stack else None
            if expect_key and top is not None and len(top) < max_depth:
                lines[(*top, value)] = bisect.bisect_left(newlines, i) + 1
            pending = value if expect_key else None
            expect_key = False
            i = after
            continue
        if ch in "{[":
            parent = stack[-1] if stack else ()
            inside = parent is not None and (pending is not None or not stack)
            path = (*parent, pending) if parent is not None and pending is not None else ()
            stack.append((path if inside else None) if ch == "{" else None)
            expect_key = ch == "{"
        elif ch in "}]":
            stack.pop()
        elif ch == ",":
            expect_key = bool(stack) and stack[-1] is not None
        elif ch == ":":
            pass
        elif not ch.isspace():
            pending = None
        i += 1
    return lines
