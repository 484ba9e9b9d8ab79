"""The library's surface: `depshield.__all__` is complete, resolvable and lazy."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import depshield

# Modules whose every public class and function is part of the library's surface.
WHOLLY_PUBLIC = ("depshield.api", "depshield.model", "depshield.errors")


def test_all_lists_exactly_the_surface_table() -> None:
    assert set(depshield.__all__) == {"__version__", *depshield._SURFACE}


def test_every_name_in_all_resolves_to_its_defining_module() -> None:
    importlib.import_module("depshield.scan.run")  # a loaded subpackage must not shadow a name
    for name in depshield.__all__:
        if name == "__version__":
            continue
        value = getattr(depshield, name)
        module, _, attr = depshield._SURFACE[name].partition(":")
        assert value.__module__ == module and value.__name__ == (attr or name), name


def test_the_wholly_public_modules_are_exported_whole() -> None:
    for module_name in WHOLLY_PUBLIC:
        module = importlib.import_module(module_name)
        public = {
            name
            for name, value in vars(module).items()
            if not name.startswith("_")
            and (inspect.isclass(value) or inspect.isfunction(value))
            and value.__module__ == module_name
        }
        exported = {(depshield._SURFACE[n].partition(":")[2] or n) for n in depshield.__all__[1:]}
        missing = public - exported
        assert not missing, f"{module_name}: {sorted(missing)} not in depshield.__all__"


def test_unknown_names_raise_attribute_error() -> None:
    try:
        depshield.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("depshield.no_such_thing resolved")


def test_importing_the_package_loads_none_of_the_surface() -> None:
    code = (
        "import sys, depshield; print(sorted(m for m in sys.modules if m.startswith('depshield')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['depshield']"
