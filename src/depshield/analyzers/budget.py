"""Per-file analysis budgets: deterministic limits after which a file's analysis stops, visibly.

A package author controls the size and shape of every file, so each analyzer bounds its work
by counts (bytes, syntax nodes), never by wall-clock time: the same file gives the same result
on every machine. A file that hits a limit comes back with `FileAnalysis.skipped` set to a
reason made here, and the judge turns that into an `unanalyzedFile` alert naming the file
(docs/security.md, "Analysis budgets"), so a file made too big to analyse is never a silent pass.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node

# A tree-sitter tree costs ~70 bytes of memory per byte of dense source (measured: 5 MB of
# minified code, 340 MB of tree): past this size a JS file gets the cheap whole-file checks
# (minified, obfuscated) and the rules run on its first JS_PARSE_MAX_BYTES only.
JS_PARSE_MAX_BYTES = 2 << 20
# A file over that budget is analysed in consecutive windows of it (a published bundle of
# 2-10 MB is an ordinary entry point), up to this many parses: at most 16 MB of code, then the
# rest is skipped.
JS_MAX_WINDOWS = 8
# A window too dense for JS_MAX_NODES is tried again at half the size, down to this.
JS_MIN_WINDOW = 256 << 10
# Punctuation bytes stand in for syntax nodes before parsing (measured: 14-28 MB of tree per
# 100,000 of them; `f();f();...` is the densest code there is): the parse stops short of this.
JS_PARSE_MAX_TOKENS = 500_000
_PUNCTUATION = b"(){}[];,.=+-*/<>!?:&|\"'`"
# Captured syntax nodes (calls, declarations, members, strings...) one JS file's rules handle;
# each costs ~10-100 us, so this bounds the rules to a few seconds on any input.
JS_MAX_NODES = 150_000

# The first words of every budget reason: stable, so reports and tests can tell them apart.
TOO_LARGE = "file too large to parse"
OVER_BUDGET = "analysis budget exceeded"
TOO_DEEP = "nesting too deep to parse"
# Every byte met the rules, in windows: only a flow across a cut was not followed.
IN_PARTS = "analysed in parts"


def too_large(size: int, limit: int, rest: str) -> str:
    return f"{TOO_LARGE} ({size:,} bytes, over the limit of {limit:,}); {rest}"


def over_budget(count: int, limit: int, cutoff: int, line: int) -> str:
    return (
        f"{OVER_BUDGET} ({count:,} syntax nodes, over the limit of {limit:,}); "
        f"analysed the first {cutoff:,} bytes (to line {line})"
    )


def too_deep(detail: str) -> str:
    return f"{TOO_DEEP} ({detail}); fallback scan only"


def in_parts(size: int, analysed: int, parts: int) -> str:
    """Why a file read in `parts` windows was not analysed as one piece (and how far)."""
    if analysed < size:
        return too_large(
            size, JS_PARSE_MAX_BYTES, f"analysed the first {analysed:,} bytes in {parts} parts"
        )
    return (
        f"{IN_PARTS} ({size:,} bytes in {parts} parts of at most {JS_PARSE_MAX_BYTES:,}); "
        "a flow that crosses a cut is not followed"
    )


def is_budget_reason(reason: str | None) -> bool:
    """A skip the budgets caused (not a decoding failure or a bug)."""
    return bool(reason) and reason.startswith((TOO_LARGE, OVER_BUDGET, TOO_DEEP, IN_PARTS))  # type: ignore[union-attr]


def parse_prefix(
    source: bytes, max_bytes: int = JS_PARSE_MAX_BYTES, max_tokens: int = JS_PARSE_MAX_TOKENS
) -> tuple[bytes, str | None]:
    """What of `source` to parse, and why not all of it (None: all of it). The cut falls after
    the last statement end or line break before the limit (also a UTF-8 character boundary)."""
    head = source[:max_bytes]
    end = _token_end(head, max_tokens)
    if end == len(source):
        return source, None
    head = head[:end]
    cut = max(head.rfind(b";"), head.rfind(b"\n"))
    head = head[: cut + 1] if cut > 0 else head
    if len(source) > max_bytes:
        what = f"{len(source):,} bytes, over the limit of {max_bytes:,}"
    else:
        what = f"over {max_tokens:,} punctuation tokens in {len(source):,} bytes"
    return head, f"{TOO_LARGE} ({what}); analysed the first {len(head):,} bytes"


def _tokens(data: bytes) -> int:
    return len(data) - len(data.translate(None, _PUNCTUATION))


def _token_end(data: bytes, limit: int, block: int = 1 << 16) -> int:
    """The length of the longest prefix of `data` with at most `limit` punctuation bytes."""
    seen = 0
    for start in range(0, len(data), block):
        count = _tokens(data[start : start + block])
        if seen + count > limit:
            lo, hi = start, min(start + block, len(data))  # the answer is in [lo, hi)
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if seen + _tokens(data[start:mid]) <= limit:
                    lo = mid
                else:
                    hi = mid - 1
            return lo
        seen += count
    return len(data)


def trim_captures(
    caps: dict[str, list[Node]], limit: int = JS_MAX_NODES
) -> tuple[dict[str, list[Node]], int | None]:
    """The captures that start before the byte where the `limit`-th capture starts (a prefix of
    the file, so rules see whole statements of it), and that byte; None when within `limit`."""
    total = sum(len(nodes) for nodes in caps.values())
    if total <= limit:
        return caps, None
    starts = sorted(node.start_byte for nodes in caps.values() for node in nodes)
    cutoff = starts[limit]
    # Each list is in document order (javascript/parse.capture): cut it where the prefix ends.
    trimmed = {}
    for name, nodes in caps.items():
        keys = [node.start_byte for node in nodes]
        trimmed[name] = nodes[: bisect_left(keys, cutoff)]
    return trimmed, cutoff
