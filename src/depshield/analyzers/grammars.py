"""Tree-sitter grammars, loaded from their compiled binding without the wrapper package."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Language


@cache
def language(package: str, function: str = "language") -> Language:
    """The grammar `package` (`tree_sitter_javascript`) offers through `function`.

    Each grammar package's __init__ imports importlib.resources (and with it tempfile, shutil,
    zipfile, random) only to read highlight queries depshield never uses: about a tenth of a
    one-package run. The binding module is loaded directly; any surprise in the package's
    layout falls back to the ordinary import."""
    from tree_sitter import Language

    binding = _binding(package)
    if binding is None:
        import importlib

        binding = importlib.import_module(package)
    return Language(getattr(binding, function)())


def _binding(package: str) -> object | None:
    import importlib.machinery
    import importlib.util
    import os
    import sys

    name = f"{package}._binding"
    if name in sys.modules:
        return sys.modules[name]
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(folder, f"_binding{suffix}")
            if not os.path.isfile(path):
                continue
            found = importlib.util.spec_from_file_location(name, path)
            if found is None or found.loader is None:
                return None
            module = importlib.util.module_from_spec(found)
            try:
                found.loader.exec_module(module)
            except ImportError:
                return None
            return module
    return None
