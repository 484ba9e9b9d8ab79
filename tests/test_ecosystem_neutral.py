"""Core modules name no ecosystem: every difference goes through the ecosystem plug-in
(ecosystems/base.py), so adding an ecosystem touches ecosystems/, its lockfile parsers and its
adapters, never the pipeline (issue 16; OSV-SCALIBR's core never names one either)."""

from __future__ import annotations

import ast
from pathlib import Path

import depshield
from depshield.ecosystems.plugins import plugins

PACKAGE = Path(depshield.__file__).resolve().parent

# The pipeline's core: what reads, fetches, examines, judges, compares and reports any package.
CORE = (
    "analysis.py",
    "api.py",
    "judging.py",
    "diff.py",
    "policy.py",
    "scoring.py",
    "cache.py",
    "config.py",
    "scan/*.py",
    "alerts/*.py",
    "artifacts/*.py",
    "pr/*.py",
    "reports/*.py",
    "intel/*.py",
    "vulns/*.py",
    "monitor/osv.py",
)


def ecosystem_names(path: Path, names: frozenset[str]) -> list[str]:
    """`file:line: 'npm'` for each string constant that is an ecosystem's name or spec prefix."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        if node.value in names or node.value.partition(":")[0] in names and ":" in node.value:
            found.append(f"{_name(path)}:{node.lineno}: {node.value!r}")
    return found


def _name(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix() if path.is_relative_to(PACKAGE) else path.name


def core_files() -> list[Path]:
    return sorted({p for pattern in CORE for p in PACKAGE.glob(pattern)})


def test_core_modules_name_no_ecosystem() -> None:
    names = frozenset(plugins())
    files = core_files()
    assert len(files) > 60  # the patterns still match the layout
    found = [hit for path in files for hit in ecosystem_names(path, names)]
    assert found == []


def test_the_check_sees_names_and_spec_prefixes(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'if eco == "npm":\n    pass\nSPEC = "pypi:requests"\nTOOL = "npmrc"\n# "npm" in a comment\n'
    )
    hits = ecosystem_names(sample, frozenset({"npm", "pypi"}))
    assert sorted(hits) == ["sample.py:1: 'npm'", "sample.py:3: 'pypi:requests'"]
