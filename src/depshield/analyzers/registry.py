"""The table of per-file analyzers; adding a language is one line here.

Analyzers load lazily: an npm package with no Python file never imports the Python analyzer
(and its compiled patterns), which keeps one package's analysis close to interpreter start-up.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

from depshield.analyzers.base import Analyzer
from depshield.model import FileAnalysis

_JS = (".js", ".cjs", ".mjs", ".jsx", ".ts", ".tsx", ".mts", ".cts")
_PY = (".py", ".pyw", ".pth")


@dataclass(frozen=True, slots=True)
class Entry:
    module: str
    cls: str
    name: str
    version: str  # must equal the class's version (tests/analyzers/test_registry.py)
    suffixes: tuple[str, ...] | None  # a cheap pre-filter on the path; None = any path


TABLE = (
    Entry("depshield.analyzers.javascript", "JavaScriptAnalyzer", "javascript", "3", _JS),
    Entry("depshield.analyzers.python", "PythonAnalyzer", "python", "2", _PY),
    Entry(
        "depshield.analyzers.shell.file",
        "ShellScriptAnalyzer",
        "shell",
        "1",
        (".sh", ".bash", ".zsh", ".command"),
    ),
    Entry("depshield.analyzers.unicode", "UnicodeAnalyzer", "unicode", "1", None),
    Entry("depshield.analyzers.binary", "BinaryAnalyzer", "binary", "1", None),
)


class LazyAnalyzer:
    """Stands in for an analyzer until a file it may want shows up."""

    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        self.name = entry.name
        self.version = entry.version
        self._real: Analyzer | None = None

    @property
    def real(self) -> Analyzer:
        if self._real is None:
            module = importlib.import_module(self.entry.module)
            self._real = getattr(module, self.entry.cls)()
        return self._real

    def wants(self, path: str) -> bool:
        suffixes = self.entry.suffixes
        if suffixes is not None and not path.lower().endswith(suffixes):
            return False
        return self.real.wants(path)

    def analyze(self, path: str, data: bytes) -> FileAnalysis:
        return self.real.analyze(path, data)


@cache
def analyzers() -> tuple[Analyzer, ...]:
    """Every registered analyzer, built once per process."""
    return tuple(LazyAnalyzer(entry) for entry in TABLE)
