"""Helpers the Python lockfile parsers share: loading, entry lines, names, sources and edges."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from depshield.lockfiles.base import ROOT, LockedFile, LockedPackage, LockfileError, Source
from depshield.lockfiles.graph import Graph

ECOSYSTEM = "pypi"
T = TypeVar("T")
_SEPARATORS = re.compile(r"[-_.]+")
_NOT_NORMAL = re.compile(r"[_.]|--")  # what _SEPARATORS would change in a lower-case name
_TOML_LINE = re.compile(r"\(?at line (\d+),? column \d+\)?")
_VCS = ("git+", "hg+", "svn+", "bzr+")
_FILENAME = re.compile(r"[\w.+!-]+")


def normalize(name: str) -> str:
    """PEP 503 normalised project name (what every index and lockfile key compares)."""
    if name.isascii() and name.islower() and not _NOT_NORMAL.search(name):
        return name  # already normal: the common case, several times faster than the sub
    return _SEPARATORS.sub("-", name).lower()


def load_toml(path: Path, text: str) -> dict[str, Any]:
    """Parse TOML; a syntax error becomes a LockfileError naming the file and line.

    rtoml (Rust) rather than tomllib: a uv.lock or pylock.toml of a few hundred packages lists
    thousands of wheel URLs, which tomllib takes a tenth of a second or more to read.
    """
    import rtoml

    try:
        data = rtoml.loads(text)
    except (rtoml.TomlParsingError, ValueError) as exc:
        message = str(exc)
        found = _TOML_LINE.search(message)
        line = int(found.group(1)) if found else None
        problem = _TOML_LINE.sub("", message).strip().rstrip(".,")
        raise LockfileError(
            str(path),
            line,
            f"invalid toml: {problem[:1].lower()}{problem[1:]}",
            tip="the file is damaged or was edited by hand; regenerate it with its tool",
        ) from None
    return data if isinstance(data, dict) else {}


# A line that starts a [[package]] entry or the [metadata] table, where a lock can be cut (when
# it starts at a line's start). It begins with a literal, so the search skips to each `[`; a
# `^(?=...)` pattern tried every position of the text (a tenth of a poetry.lock's parse).
_ENTRY_START = re.compile(r"\[(?:\[package\]\]|metadata\])[ \t]*\r?$", re.M)
# Entries per piece: a piece is small beside the whole document's tree, and one rtoml call per
# entry cost more in calls than in parsing.
_PIECE_ENTRIES = 256


def load_toml_entries(path: Path, text: str) -> dict[str, Any]:
    """`load_toml` for a lock of [[package]] entries, parsed a few hundred entries at a time
    (`toml_entries` with the entries kept as they are)."""
    packages, rest = toml_entries(path, text, lambda _index, entry: entry)
    return {**rest, "package": packages} if packages else rest


def toml_entries(
    path: Path, text: str, convert: Callable[[int, dict[str, Any]], T]
) -> tuple[list[T], dict[str, Any]]:
    """The [[package]] entries of a lock, each passed to `convert` (its index, its table) as it is
    parsed, and the document's other tables.

    rtoml holds its own tree of the whole document besides the Python one: a 100,000-entry
    poetry.lock peaked at 660 MB; parsed in pieces of `_PIECE_ENTRIES` entries, each entry's
    table converted and dropped at once, at ~240 MB (issue 17). Each piece starts at a line the
    whole document's lexer is also at the start of; a piece that does not parse alone (a string
    or array across the cut), two pieces that set the same key, or an entry `convert` refuses
    send the document to `load_toml`, which words the error or reads what the pieces could not."""
    try:
        return _by_piece(text, convert)
    except _WholeDocument:
        data = load_toml(path, text)
        entries = tables(data, "package", path)
        return [convert(index, entry) for index, entry in enumerate(entries)], data


class _WholeDocument(Exception):
    """The lock cannot be read piece by piece; read it whole."""


def _by_piece(
    text: str, convert: Callable[[int, dict[str, Any]], T]
) -> tuple[list[T], dict[str, Any]]:
    import rtoml

    merged: dict[str, Any] = {}
    converted: list[T] = []
    cuts = [m.start() for m in _ENTRY_START.finditer(text) if _at_line_start(text, m.start())]
    starts = [0, *cuts[_PIECE_ENTRIES - 1 :: _PIECE_ENTRIES], len(text)]
    for start, end in zip(starts, starts[1:], strict=False):
        try:
            data = rtoml.loads(text[start:end])
        except (rtoml.TomlParsingError, ValueError):
            raise _WholeDocument from None
        entries = data.pop("package", [])
        if not isinstance(entries, list) or merged.keys() & data.keys():
            raise _WholeDocument
        for entry in entries:
            if not isinstance(entry, dict):
                raise _WholeDocument
            try:
                converted.append(convert(len(converted), entry))
            except LockfileError:
                raise _WholeDocument from None
        merged.update(data)
    return converted, merged


def _at_line_start(text: str, at: int) -> bool:
    return at == 0 or text[at - 1] == "\n"


def load_json(path: Path, text: str) -> Any:
    """Parse JSON; a syntax error becomes a LockfileError naming the file and line."""
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockfileError(
            str(path),
            exc.lineno,
            f"invalid json: {exc.msg[:1].lower()}{exc.msg[1:]}",
            tip="the file is damaged or was edited by hand; regenerate it with its tool",
        ) from None


def entry_lines(text: str, header: str) -> list[int]:
    """1-based line of the `name =` key of each `[[header]]` table, in document order.

    tomllib keeps no positions; an array of tables lists its entries in document order, so the
    i-th header found here is the i-th entry the parser returns.
    """
    # The header from its literal `[[` (a search that skips to each `[`), then only blanks
    # before it on its line: `^[ \t]*` first made the search try every position.
    headers = re.compile(rf"\[\[[ \t]*{re.escape(header)}[ \t]*\]\]")
    # The entry's `name` key, unless another table starts first.
    name_key = re.compile(r"^[ \t]*(?:(name)[ \t]*=|\[)", re.M)
    lines: list[int] = []
    pos, line = 0, 1
    for match in headers.finditer(text):
        start = match.start()
        if text[text.rfind("\n", 0, start) + 1 : start].strip(" \t"):
            continue  # not at the start of its line
        found = name_key.search(text, match.end())
        if found and found.group(1):
            start = found.start()
        line += text.count("\n", pos, start)
        pos = start
        lines.append(line)
    return lines


def items(value: Any) -> list[Any]:
    """`value` if it is an array, else nothing (a damaged lock must not crash the walk)."""
    return value if isinstance(value, list) else []


def line_at(lines: Sequence[int], index: int) -> int:
    return lines[index] if index < len(lines) else 0


def tables(data: Mapping[str, Any], key: str, path: Path) -> list[dict[str, Any]]:
    """`data[key]` as a list of tables (absent: empty); anything else is a LockfileError."""
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise LockfileError(str(path), None, f"{key!r} is not an array of tables")
    return value


def required_str(entry: Mapping[str, Any], key: str, path: Path, line: int) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise LockfileError(str(path), line, f"entry has no {key!r} string")
    return value


def optional_str(entry: Mapping[str, Any], key: str) -> str | None:
    value = entry.get(key)
    return value if isinstance(value, str) and value else None


def url_source(url: str) -> Source:
    """Where a URL or path requirement comes from: a VCS, a web server or the local disk."""
    if url.startswith(_VCS):
        return "git"
    if url.startswith(("http://", "https://")):
        return "http"
    return "file"


def file_hashes(files: Iterable[Any]) -> tuple[str, ...]:
    """The `hash` strings ("sha256:<hex>") of a list of {file/url, hash} tables, as recorded."""
    found: list[str] = []
    for item in files:
        digest = item.get("hash") if isinstance(item, dict) else None
        if isinstance(digest, str) and digest not in found:
            found.append(digest)
    return tuple(found)


def locked_files(files: Iterable[Any]) -> tuple[LockedFile, ...]:
    """The named release files of a list of tables: `file`/`name` or the last segment of `url` /
    `path`, with `hash` ("sha256:<hex>") or `hashes` ({algorithm = digest}, PEP 751)."""
    found: list[LockedFile] = []
    for item in files:
        if not isinstance(item, dict):
            continue
        url = optional_str(item, "url")
        where = url or optional_str(item, "path") or ""
        name = optional_str(item, "file") or optional_str(item, "name")
        name = name or unquote(urlsplit(where).path.rsplit("/", 1)[-1])
        if not _FILENAME.fullmatch(name) or name in (".", ".."):
            continue  # no usable file name: the package is still fetched, by its hashes
        hashes = file_hashes([item])
        table = item.get("hashes")
        if isinstance(table, dict):
            hashes += tuple(f"{k}:{v}" for k, v in table.items() if isinstance(v, str))
        size = item.get("size")
        size = size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None
        found.append(LockedFile(name, hashes, url, size))
    return tuple(found)


def link(
    packages: Sequence[LockedPackage],
    dependencies: Mapping[str, Iterable[tuple[str, str | None]]],
    roots: Iterable[tuple[str, str | None]],
) -> list[tuple[str, str]]:
    """Edges from `dependencies` (key -> (name, version or None)) and ROOT -> `roots`.

    A version picks one of several packages of that name; None links them all. Every package
    is reachable afterwards: one nothing leads to becomes a child of ROOT, so a lock without a
    record of its direct dependencies still gives each package a path.
    """
    package_keys = [package.key for package in packages]
    by_name: dict[str, list[str]] = {}
    for package, key in zip(packages, package_keys, strict=True):
        by_name.setdefault(package.name, []).append(key)

    def keys(name: str, version: str | None) -> list[str]:
        found = by_name.get(name, _NONE)
        if version is None or len(found) < 2:
            return found
        return [k for k in found if k == f"{name}@{version}"] or found

    edges = [(ROOT, key) for name, version in roots for key in keys(name, version)]
    edges += [
        (parent, key)
        for parent, wanted in dependencies.items()
        for name, version in wanted
        for key in keys(name, version)
        if key != parent  # pdm repeats a package once per extra, depending on itself
    ]
    edges = list(dict.fromkeys(edges))
    graph, children = Graph(edges), {child for _, child in edges}
    reached = graph.subtree(ROOT)
    # Tops first (nothing depends on them), then whatever only a cycle holds.
    for tops_only in (True, False):
        for key in package_keys:
            if key in reached or (tops_only and key in children):
                continue
            edges.append((ROOT, key))
            graph.reach((key,), reached)
    return edges


_NONE: list[str] = []  # no package of that name (never changed)
