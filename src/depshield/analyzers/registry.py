"""The table of per-file analyzers; adding a language is one line here."""

from __future__ import annotations

from functools import cache

from depshield.analyzers.base import Analyzer


@cache
def analyzers() -> tuple[Analyzer, ...]:
    """Every registered analyzer, built once per process (imports stay lazy until first use)."""
    from depshield.analyzers.binary import BinaryAnalyzer
    from depshield.analyzers.javascript import JavaScriptAnalyzer
    from depshield.analyzers.python import PythonAnalyzer
    from depshield.analyzers.unicode import UnicodeAnalyzer

    return (JavaScriptAnalyzer(), PythonAnalyzer(), UnicodeAnalyzer(), BinaryAnalyzer())


def analyzer_version() -> str:
    """A key that changes whenever any analyzer changes, for caching analysis results."""
    return ",".join(f"{a.name}={a.version}" for a in analyzers())
