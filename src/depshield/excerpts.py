"""What an error message may quote of a file it met: one short line, controls escaped."""

from __future__ import annotations

EXCERPT_CHARS = 80  # what an error quotes of a line it met (issue 17, docs/security.md)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """At most `limit` characters of one line, control characters escaped, for an error."""
    first = text.splitlines()[0] if text else ""
    cut = first[:limit]
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in cut)
    return shown + ("..." if len(first) > limit else "")
