"""A text's lines one at a time, as `str.splitlines()` gives them, without the list of all of them.

`splitlines()` on a 100,000-entry lockfile makes several hundred thousand strings at once, beside
the parsed document (60 MB of a pnpm-lock.yaml scan's peak, issue 17); a parser walking the lines
once needs one at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# Every line boundary of str.splitlines() but "\n"; a text holding one is split the usual way.
_OTHER_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


_CHUNK = 1 << 18


def iter_lines(text: str) -> Iterator[str]:
    """The lines of `text`, without their line breaks: the items of `text.splitlines()`."""
    if _OTHER_BREAKS.search(text):
        yield from text.splitlines()
        return
    # A quarter megabyte of lines at a time, split in C: one short list alive, not every line.
    start, end = 0, len(text)
    while start < end:
        stop = text.find("\n", start + _CHUNK)
        stop = end if stop == -1 else stop + 1
        yield from text[start:stop].splitlines()
        start = stop
