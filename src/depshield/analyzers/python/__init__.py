"""The Python analyzer: `ast` over .py/.pyw modules and .pth lines, tree-sitter for Python 2."""

from __future__ import annotations

from depshield.analyzers.python.analyzer import PythonAnalyzer

__all__ = ["PythonAnalyzer"]
