"""The escapers of reports/escape.py against hostile strings (docs/security.md, issue 17)."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from depshield.reports import escape

PIECES = list("`|\\\n\r<>&@[]()!#>-*_~ ax1.") + [
    "<script>",
    "</script>",
    "\x1b[31m",
    "\x1b]8;;x\x07",
    "\x9b",
    "\u202e",
    "\u2066",
    "[bold]",
    "&#124;",
    "[x](y)",
]
HOSTILE = st.lists(st.sampled_from(PIECES)).map("".join) | st.text()

BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))


def unescaped(text: str, chars: str = "|") -> int:
    """How many of `chars` are not backslash-escaped (an odd run of backslashes before them)."""
    pattern = rf"(?:^|[^\\])(?:\\\\)*[{re.escape(chars)}]"
    return len(re.findall(pattern, text))


def terminal_safe(text: str) -> bool:
    return not any(
        ord(ch) in BIDI or (unicodedata.category(ch) in ("Cc", "Cf") and ch != "\u2060")
        for ch in text
    )


@given(HOSTILE)
def test_a_cell_never_holds_a_pipe_gfm_would_split_on(text: str) -> None:
    cell = escape.markdown_cell(text)
    assert unescaped(cell) == 0 and "\n" not in cell and "\r" not in cell
    assert terminal_safe(cell)


@given(HOSTILE)
def test_a_code_span_is_one_span(text: str) -> None:
    span = escape.markdown_code(text)
    fence = re.match(r"`+", span).group()  # type: ignore[union-attr]
    inner = span[len(fence) : -len(fence)]
    assert span.endswith(fence) and "\n" not in span
    assert fence not in {m for m in re.findall(r"`+", inner)}  # no run closes the span early


@given(HOSTILE)
def test_markdown_text_has_no_live_syntax(text: str) -> None:
    out = escape.markdown_text(text)
    assert "<" not in out and ">" not in out and "\n" not in out
    assert all(out[m.start() + 1 : m.start() + 2] == "\u2060" for m in re.finditer("@", out))
    assert unescaped(out, "`[]|*_~!#") == 0
    assert not re.match(r"\s*(>|(?:[-+=]|\d+[.)])(?=\s|$))", out)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.seen.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.seen.append("/" + tag)

    def handle_comment(self, data: str) -> None:
        self.seen.append("!--")


@given(HOSTILE)
def test_html_text_and_attributes_hold_no_markup(text: str) -> None:
    out = escape.html(text)
    parser = Tags()
    parser.feed(f'<p title="{out}">{out}</p>')
    assert parser.seen == ["p", "/p"] and '"' not in out


@given(HOSTILE)
def test_terminal_text_has_no_escape_c1_or_bidi(text: str) -> None:
    assert terminal_safe(escape.terminal(text))
    from rich.markup import render

    shown = render(escape.rich(text))  # rich doubles a trailing backslash, harmlessly
    assert shown.spans == [] and shown.plain.rstrip("\\") == escape.terminal(text).rstrip("\\")


def test_examples() -> None:
    from rich.markup import render

    assert render(escape.rich("a\\[b")).plain == "a\\[b"  # a lone `\[` keeps its backslash
    assert render(escape.rich("\\[bold]x")).plain == "\\[bold]x"
    assert escape.markdown_cell("left-pad") == "`left-pad`"
    assert escape.markdown_cell("x` | pass | `ok") == "``x` \\| pass \\| `ok``"
    assert escape.markdown_cell("a\\|b") == "a\\\\&#124;b"
    assert escape.markdown_code("a`b") == "``a`b``"
    assert escape.markdown_text("@octocat") == "@\u2060octocat"
    assert escape.markdown_text("[x](y)") == "\\[x\\](y)"
    assert (
        escape.terminal("\x1b]8;;http://x.invalid\x07hi") == "\\u001b]8;;http://x.invalid\\u0007hi"
    )
    assert escape.terminal("a\u202eb") == "a\\u202eb"


def test_cli_error_lines_neutralise_escape_sequences(capsys) -> None:  # type: ignore[no-untyped-def]
    from depshield.cli.main import _error

    _error("cannot read 'a\x1b]8;;x\x07b\u202e'", "rename \x1b[2J it")
    err = capsys.readouterr().err
    assert terminal_safe(err.replace("\n", "")) and "\\u001b]8;;x" in err
