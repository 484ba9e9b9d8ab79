"""Escapers for package-controlled text, one per output format it lands in (docs/security.md)."""

from __future__ import annotations

import re

from depshield.reports.views import printable

# Markdown punctuation that could start emphasis, code, links/images, tables, strikethrough or
# issue references (`#123`); `<`, `>` and `&` become entities first, `@` gets a word joiner.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#!])")
# A block marker at the start of a line (list, quote, heading underline, ordered list).
_BLOCK_START = re.compile(r"^(\s*)(>|(?:[-+=]|\d+[.)])(?=\s|$))")
_MENTION = "@\u2060"  # a word joiner after `@`: GitHub does not ping `@\u2060user`
_LIMIT = 10_000


def terminal(text: str, limit: int = _LIMIT) -> str:
    """One line with ESC, C0/C1 controls, bidi and invisible characters shown as `\\uXXXX`."""
    return printable(text, limit)


# rich reads `[tag]` (RE_TAGS in rich.markup) as markup, halving the backslashes before it, and
# turns `\\[` into `[` in plain text; its own `escape` misses the second case.
_RICH_BRACKET = re.compile(r"(\\*)(\[(?:[a-z#/@][^[]*?])?)")


def _rich_bracket(match: re.Match[str]) -> str:
    backslashes, bracket = match.groups()
    if len(bracket) > 1:  # a tag: double the backslashes, then escape the tag
        return backslashes * 2 + "\\" + bracket
    return backslashes + "\\["  # a lone bracket: rich drops one backslash before it


def rich(text: str, limit: int = _LIMIT) -> str:
    """Terminal text that rich prints literally (`[bold]` is not markup, `\\[` keeps its `\\`)."""
    safe = _RICH_BRACKET.sub(_rich_bracket, terminal(text, limit))
    return safe + "\\" if safe.endswith("\\") and not safe.endswith("\\\\") else safe


def html(text: str, limit: int = 500) -> str:
    """HTML text or attribute value (quotes escaped too)."""
    import html as _html

    return _html.escape(printable(text, limit), quote=True)


def markdown_text(text: str, limit: int = _LIMIT) -> str:
    """Plain Markdown text: no HTML, no inline or block syntax, no mention, no cell break."""
    safe = printable(text, limit).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    safe = _MD_SPECIAL.sub(r"\\\1", safe).replace("@", _MENTION)
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), safe)


def markdown_code(text: str, limit: int = _LIMIT) -> str:
    """A code span whose fence is longer than any backtick run inside (CommonMark 6.1)."""
    text = printable(text, limit)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    if text.startswith("`") or text.endswith("`") or not text.strip():
        text = f" {text} "
    return f"{fence}{text}{fence}"


def markdown_cell(text: str, limit: int = _LIMIT) -> str:
    """Code inside a GFM table cell.

    GFM splits a row on every `|` not escaped by a backslash, even inside code spans, so a pipe
    becomes `\\|`; but a backslash of the text would pair with ours (`\\\\|` ends the cell), so
    text holding one is escaped plain text instead, where `|` is the entity `&#124;`.
    """
    if "\\" not in text:
        return markdown_code(text, limit).replace("|", "\\|")
    return markdown_text(text, limit).replace("\\|", "&#124;")
