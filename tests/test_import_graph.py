"""The import graph of `depshield.*` holds no runtime cycle (imports under TYPE_CHECKING aside).

Imports inside functions count: they run too, and a cycle through them is a layer that points
back (the one cycle before issue 16 was cli/pr.py <-> pr/actions.py, both lazy).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import depshield
from depshield.lockfiles.graph import components

PACKAGE = Path(depshield.__file__).resolve().parent


def module_files(root: Path = PACKAGE) -> dict[str, Path]:
    """Dotted module name -> its file, for every module of the package."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _type_checking(test: ast.expr) -> bool:
    name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
    return name == "TYPE_CHECKING"


def _statements(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below `node` except the bodies of `if TYPE_CHECKING:`."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking(child.test):
            for other in child.orelse:
                yield other
                yield from _statements(other)
            continue
        yield child
        yield from _statements(child)


def runtime_imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that `name` imports at run time (module level or in a function)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    targets: set[str] = set()
    for node in _statements(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package[: len(package) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                target = f"{base}.{alias.name}"
                targets.add(target if target in modules else base)
    return {t for t in targets if t in modules and t != name}


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    modules = module_files(root)
    return {name: runtime_imports(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module."""
    children = {name: sorted(targets) for name, targets in graph.items()}
    return [sorted(c) for c in components(children, sorted(graph)) if len(c) > 1]


def test_no_runtime_import_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 200 and sum(map(len, graph.values())) > 500  # the walk saw the package
    assert cycles(graph) == []


def test_the_walk_finds_cycles_through_lazy_imports_and_skips_type_checking(
    tmp_path: Path,
) -> None:
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "sub" / "__init__.py").write_text("")
    (root / "a.py").write_text("def f():\n    from pkg.sub import b\n")
    (root / "sub" / "b.py").write_text("from .. import c\n")
    (root / "c.py").write_text("import pkg.a\n")
    (root / "d.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import e\n"
    )
    (root / "e.py").write_text("from pkg.d import x\n")
    graph = import_graph(root)
    assert graph["pkg.d"] == set() and graph["pkg.e"] == {"pkg.d"}
    assert cycles(graph) == [["pkg.a", "pkg.c", "pkg.sub.b"]]
