"""Where depshield may import inside a function (issue 16 item 7).

A module's own dependencies are written at its top, where a reader sees them. An import inside a
function is kept only (a) for a named heavy third-party module that most commands never need,
(b) in a module that is a table boundary (the command table, the plug-in tables: what to load is
decided at run time), or (c) in a module still on the PENDING list, which may only shrink: each
entry must still hold such an import, so a converted module has to leave the list.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "depshield"

# Table boundaries: the module decides at run time which of several modules to load.
BOUNDARIES = {
    "cli/main.py": "the command table: each command's module is loaded when it is invoked",
    "server/store.py": "module __getattr__: the SQLite or PostgreSQL backend, on first use",
    "monitor/analyse.py": "the registry feed of the ecosystem being followed",
}

# Not converted yet (the detection, lockfile and command-line layers were being changed in
# parallel when the others were converted); each entry must still hold a lazy depshield import.
PENDING = frozenset(
    {
        "alerts",
        "analyzers",
        "artifacts",
        "cli",
        "daemon",
        "ecosystems",
        "intel",
        "lockfiles",
        "scan",
        "analysis.py",
        "code_digest.py",
        "judging.py",
        "memo.py",
    }
)


def _lazy_internal_imports() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = path.relative_to(SRC).as_posix()
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                module = ""
                if isinstance(node, ast.ImportFrom) and node.level == 0:
                    module = node.module or ""
                elif isinstance(node, ast.Import):
                    module = node.names[0].name
                if module.startswith("depshield"):
                    found.setdefault(rel, []).append(node.lineno)
    return found


def _pending(rel: str) -> bool:
    return rel in PENDING or rel.split("/")[0] in PENDING


def test_no_lazy_internal_import_outside_boundaries_and_pending_modules() -> None:
    offenders = {
        rel: lines
        for rel, lines in _lazy_internal_imports().items()
        if rel not in BOUNDARIES and not _pending(rel)
    }
    assert offenders == {}, "import these at the top of the module (or name the boundary)"


def test_every_boundary_still_loads_lazily() -> None:
    lazy = _lazy_internal_imports()
    assert sorted(rel for rel in BOUNDARIES if rel not in lazy) == []


def test_pending_list_only_names_modules_that_still_import_lazily() -> None:
    lazy = _lazy_internal_imports()
    stale = []
    for entry in PENDING:
        if entry.endswith(".py"):
            if entry not in lazy:
                stale.append(entry)
        elif not any(rel.startswith(entry + "/") for rel in lazy):
            stale.append(entry)
    assert sorted(stale) == [], "converted: take it off PENDING"
