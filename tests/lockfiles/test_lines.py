"""lockfiles.lines.iter_lines gives exactly str.splitlines(), a chunk at a time."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import depshield.lockfiles.lines as lines

ALPHABET = st.sampled_from(["a", "b", " ", "\n", "\r", "\r\n", "\x0c", "\u2028", "é"])


@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_the_lines_of_splitlines(text: str) -> None:
    assert list(lines.iter_lines(text)) == text.splitlines()


@given(st.lists(st.sampled_from(["ab", "c", "\n", "\n\n"]), max_size=40).map("".join))
def test_chunk_edges_keep_every_line(text: str) -> None:
    chunk = lines._CHUNK
    try:
        lines._CHUNK = 3  # many chunk edges in a short text
        assert list(lines.iter_lines(text)) == text.splitlines()
    finally:
        lines._CHUNK = chunk


@pytest.mark.parametrize("text", ["", "\n", "a", "a\n", "a\n\nb", "\n\n"])
def test_edge_cases(text: str) -> None:
    assert list(lines.iter_lines(text)) == text.splitlines()
