"""Helpers shared by the npm-family lockfile parsers: specs, sources, lines and loading."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from depshield.lockfiles.base import LockfileError, Source
from depshield.lockfiles.lines import iter_lines

ECOSYSTEM = "npm"
REGENERATE = "regenerate the lockfile with its package manager"
_T = TypeVar("_T")
# The npm registry's tarball layout, `<registry>/<name>/-/<basename>-<version>.tgz`: any other
# http(s) URL is a plain tarball dependency (npm-package-arg calls it "remote").
_REGISTRY_TARBALL = re.compile(r"/(?:@[^/]+/)?[^/]+/-/[^/]+\.tgz$")
_GIT_PREFIXES = ("git+", "git:", "git@", "github:", "gitlab:", "bitbucket:", "gist:", "ssh:")
# Hosts that serve the tarball of a git commit: a git dependency fetched over https.
_GIT_TARBALL_HOSTS = ("codeload.github.com", "gitlab.com", "bitbucket.org", "github.com")


def split_spec(pattern: str) -> tuple[str, str]:
    """`@s/a@^1` -> (`@s/a`, `^1`); a bare name gives an empty range."""
    at = pattern.find("@", 1)
    return (pattern, "") if at == -1 else (pattern[:at], pattern[at + 1 :])


def alias_target(spec: str) -> tuple[str, str] | None:
    """`npm:real@^1` -> (`real`, `^1`): the package an alias really installs."""
    if not spec.startswith("npm:"):
        return None
    name, rng = split_spec(spec[4:])
    return (name, rng) if name else None


def source_of(resolved: str | None) -> Source:
    """Where a package comes from, judged by its resolved URL or spec as recorded."""
    if not resolved:
        return "registry"
    text = resolved.strip()
    lower = text.lower()
    if lower.startswith(_GIT_PREFIXES):
        return "git"
    if lower.startswith(("file:", "exec:")):
        return "file"
    if lower.startswith(("link:", "portal:")):
        return "link"
    if lower.startswith("workspace:"):
        return "workspace"
    if lower.startswith(("http://", "https://")):
        host, path = host_and_path(text)
        if host in _GIT_TARBALL_HOSTS or "#commit=" in text:
            return "git"
        return "registry" if _REGISTRY_TARBALL.search(path) else "http"
    if lower.startswith(("npm:", "patch:")):
        return "registry"
    # npm-package-arg reads other specs with a slash as paths (`../lib`) or GitHub shorthands.
    if lower.startswith((".", "/", "~/")):
        return "file"
    return "git" if "/" in text else "registry"


# An http(s) URL's netloc and path, split where urlsplit splits them (the netloc ends at the
# first `/`, `?` or `#`; the path at the first `?` or `#`).
_HTTP_URL = re.compile(r"https?://([^/?#]*)([^?#]*)", re.IGNORECASE)
_URL_UNUSUAL = re.compile(r"[\t\r\n]")
_HOST_UNUSUAL = re.compile(r"[\[\]%]")


def host_and_path(url: str) -> tuple[str, str]:
    """The lower-cased host name ("" for none) and the path of an http(s) URL, as `urlsplit`
    gives them. urlsplit was a fifth of reading a 100,000-entry package-lock (issue 17): the
    common URL is split by one match; one urlsplit would treat differently (tabs or newlines it
    removes, brackets, a `%` zone, a non-ASCII netloc) still goes through it."""
    found = _HTTP_URL.match(url)
    if found is not None and not _URL_UNUSUAL.search(url):
        netloc, path = found.groups()
        if netloc.isascii() and not _HOST_UNUSUAL.search(netloc):
            return netloc.rpartition("@")[2].partition(":")[0].lower(), path
    parts = urlsplit(url)
    return parts.hostname or "", parts.path


def guard(path: Path, parse: Callable[[], _T]) -> _T:
    """Run `parse`, turning any surprise from hostile or odd content into a LockfileError."""
    try:
        return parse()
    except LockfileError:
        raise
    except RecursionError:
        raise LockfileError(str(path), None, "nests too deeply") from None
    except (TypeError, KeyError, AttributeError, ValueError, IndexError) as exc:
        # Valid JSON/YAML with an unexpected shape (a list where an object belongs...).
        raise LockfileError(
            str(path),
            None,
            f"unexpected structure ({type(exc).__name__}: {exc})",
            tip=REGENERATE,
        ) from None


def load_json(path: Path, text: str, *, jsonc: bool = False) -> dict[str, Any]:
    """The top-level JSON object of `text`; `jsonc` drops comments and trailing commas first."""
    source = strip_jsonc(text) if jsonc else text
    try:
        data = json.loads(source)
    except json.JSONDecodeError as exc:
        raise LockfileError(
            str(path),
            exc.lineno,
            f"invalid JSON: {exc.msg.lower()}",
            tip="the file is damaged or has merge-conflict markers; regenerate it",
        ) from None
    if not isinstance(data, dict):
        raise LockfileError(str(path), 1, "the top level is not a JSON object")
    return data


# One token of JSONC: a string (kept), a comment (dropped) or a comma before a closer (dropped).
_JSONC = re.compile(r'("(?:[^"\\\n]|\\.)*")|//[^\n]*|/\*.*?\*/|,(?=\s*[\]}])', re.DOTALL)


def strip_jsonc(text: str) -> str:
    """JSON text from JSONC, keeping every newline so that error lines stay true."""

    def keep(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return match.group(1)
        return "\n" * match.group(0).count("\n")

    return _JSONC.sub(keep, text)


def load_yaml(path: Path, text: str) -> dict[str, Any]:
    """The top-level YAML mapping of `text`, with libyaml's C loader when it is available."""
    import yaml

    from depshield.lockfiles.yaml_fast import load_plain

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        # Anchors (`&`) need the ordinary loader, and so does whatever the fast one gives up on.
        data = load_plain(text) if "&" not in text else None
        if data is None:
            data = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader, never the full one
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise LockfileError(
            str(path),
            mark.line + 1 if mark is not None else None,
            f"invalid YAML: {problem}",
            tip="the file is damaged or has merge-conflict markers; regenerate it",
        ) from None
    if not isinstance(data, dict):
        raise LockfileError(str(path), 1, "the top level is not a YAML mapping")
    if "&" in text:  # no anchor, no alias: the common case costs one substring search
        _refuse_alias_bombs(path, data)
    return data


# Aliases share one loaded object, so loading a billion-laughs document is cheap, but every walk
# over it afterwards visits each shared subtree once per alias (issue 17: 140 s, 1.2 GB). pnpm and
# yarn never write aliases; a document whose expansion exceeds this is refused.
YAML_EXPANSION_LIMIT = 1_000_000


def _refuse_alias_bombs(path: Path, data: object) -> None:
    sizes: dict[int, int] = {}
    expanded = _expanded_size(data, sizes, set())
    if expanded is None or (expanded > YAML_EXPANSION_LIMIT and expanded > 2 * len(sizes)):
        raise LockfileError(
            str(path),
            None,
            "refused: YAML aliases expand it past "
            f"{YAML_EXPANSION_LIMIT:,} nodes, nest too deep or refer to themselves",
            tip="lockfiles never need anchors or aliases; regenerate it with the package manager",
        )


def _expanded_size(node: object, sizes: dict[int, int], open_nodes: set[int]) -> int | None:
    """Nodes in `node` with every alias expanded, memoised per shared object; None on a cycle."""
    if not isinstance(node, (dict, list)):
        return 1
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes or len(open_nodes) > 500:
        return None
    open_nodes.add(key)
    children = [*node.keys(), *node.values()] if isinstance(node, dict) else node
    total = 1
    for child in children:
        size = _expanded_size(child, sizes, open_nodes)
        if size is None:
            return None
        total += size
    open_nodes.discard(key)
    sizes[key] = total
    return total


def mapping(value: object) -> dict[str, Any]:
    """`value` when it is a mapping, else an empty one (absent and null sections)."""
    return value if isinstance(value, dict) else {}


def text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


# What json.dumps(ensure_ascii=False) escapes in a string.
_JSON_ESCAPED = re.compile(r'["\\\x00-\x1f]')


class KeyLines:
    """Lines of JSON object keys found in document order with plain `str.find` (no tracking parser).

    Keys must be asked for in the order they appear; each search starts after the last hit, so
    reading a whole lockfile costs one pass over its text.
    """

    def __init__(self, text: str, start: int = 0) -> None:
        self.text = text
        self.pos = start
        self.line = text.count("\n", 0, start) + 1

    def find(self, key: str, *, opens: str = "{[") -> int:
        """1-based line of the next `"key": {` (or `[`), or 0 when it is not found."""
        # json.dumps only to escape: a key with nothing to escape is itself in quotes.
        needle = json.dumps(key, ensure_ascii=False) if _JSON_ESCAPED.search(key) else f'"{key}"'
        at = self.pos
        while True:
            hit = self.text.find(needle, at)
            if hit == -1:
                return 0
            after = hit + len(needle)
            rest = self.text[after : after + 40].lstrip()
            if rest.startswith(":") and rest[1:].lstrip()[:1] in opens:
                self.line += self.text.count("\n", self.pos, hit)
                self.pos = after
                return self.line
            at = after


def yaml_key_lines(text: str, *, indent: int, section: str | None = None) -> dict[str, int]:
    """Line of each mapping key written at `indent` spaces, inside top-level `section` if given.

    Keys are unquoted (`'@a/b@1.0.0':` -> `@a/b@1.0.0`); the first occurrence wins.
    """
    lines: dict[str, int] = {}
    inside = section is None
    prefix = " " * indent
    for number, line in enumerate(iter_lines(text), 1):
        if not line or line[0] == "#":
            continue
        if line[0] != " ":
            if section is not None:
                inside = line.rstrip() == f"{section}:"
            if indent:
                continue
        if not inside or not line.startswith(prefix) or line[indent : indent + 1] in (" ", "#"):
            continue
        key = line[indent:].rstrip()
        if key.endswith(":"):
            lines.setdefault(_unquote(key[:-1]), number)
    return lines


def _unquote(key: str) -> str:
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "'\"":
        inner = key[1:-1]
        return inner.replace("''", "'") if key[0] == "'" else inner.replace('\\"', '"')
    return key
