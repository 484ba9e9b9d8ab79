"""Grammars load from their compiled bindings, without the wrapper packages' imports."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from depshield.analyzers import grammars


@pytest.mark.parametrize(
    ("package", "function"),
    [
        ("tree_sitter_javascript", "language"),
        ("tree_sitter_typescript", "language_tsx"),
        ("tree_sitter_typescript", "language_typescript"),
        ("tree_sitter_bash", "language"),
    ],
)
def test_language_by_binding_is_the_packages_grammar(package: str, function: str) -> None:
    from tree_sitter import Language

    wrapped = Language(getattr(importlib.import_module(package), function)())
    loaded = grammars.language(package, function)
    assert (loaded.name, loaded.node_kind_count, loaded.field_count) == (
        wrapped.name,
        wrapped.node_kind_count,
        wrapped.field_count,
    )


def test_no_binding_means_none() -> None:
    assert grammars._binding("json") is None  # a package without a compiled _binding
    assert grammars._binding("no_such_package_here") is None


def test_wrapper_package_is_not_imported() -> None:
    code = (
        "import sys; from depshield.analyzers.grammars import language; "
        "language('tree_sitter_javascript'); "
        "print('tree_sitter_javascript' in sys.modules, 'importlib.resources' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
