"""Finding the lockfiles and manifests of a project (monorepos included)."""

from __future__ import annotations

import os
from pathlib import Path

from depshield.lockfiles.base import LockfileParser

# Directories that hold installed packages or tool state, never the project's own manifests.
SKIP_DIRS = frozenset(
    {
        "node_modules",
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "site-packages",
        "bower_components",
        ".yarn",
        ".pnpm-store",
    }
)
NPM_LOCKS = (
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "bun.lockb",
)
PY_LOCKS = ("poetry.lock", "uv.lock", "Pipfile.lock", "pdm.lock", "pylock.toml")


def _is_virtualenv(folder: Path) -> bool:
    return (folder / "pyvenv.cfg").is_file()


def find_files(
    root: Path, parsers: tuple[LockfileParser, ...]
) -> list[tuple[Path, LockfileParser]]:
    """Every file some parser wants, minus manifests that a lockfile beside them supersedes."""
    if root.is_file():
        for parser in parsers:
            if parser.wants(root):
                return [(root, parser)]
        return [(root, _by_content(root, parsers))]
    found: list[tuple[Path, LockfileParser]] = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not _is_virtualenv(here / d))
        names = set(files)
        for name in sorted(files):
            path = here / name
            if _superseded(name, names):
                continue
            for parser in parsers:
                if parser.wants(path):
                    found.append((path, parser))
                    break
    return found


def _by_content(path: Path, parsers: tuple[LockfileParser, ...]) -> LockfileParser:
    """A file named as no tool names it: the parser its content asks for, or a refusal."""
    from depshield.lockfiles.sniff import HEAD, canonical_name, refuse
    from depshield.project_files import read_bytes

    text = read_bytes(path, root=path.parent)[:HEAD].decode("utf-8", errors="replace")
    name = canonical_name(text)
    for parser in parsers if name else ():
        if parser.wants(path.with_name(name)):  # type: ignore[arg-type]
            return parser
    raise refuse(path)


def _superseded(name: str, siblings: set[str]) -> bool:
    """package.json beside a lockfile, or a pyproject.toml beside a Python lock, adds nothing."""
    if name == "package.json":
        return any(lock in siblings for lock in NPM_LOCKS)
    if name == "pyproject.toml":
        pinned = any(s.startswith("requirements") and s.endswith(".txt") for s in siblings)
        return pinned or any(lock in siblings for lock in PY_LOCKS)
    if name == "package-lock.json":
        return "npm-shrinkwrap.json" in siblings  # npm ignores the lock when a shrinkwrap exists
    return False
