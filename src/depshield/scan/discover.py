"""Finding the lockfiles and manifests of a project (monorepos included)."""

from __future__ import annotations

import fnmatch
import json
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
    workspace_roots: list[tuple[Path, list[str]]] = []  # locked roots and their member globs
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not _is_virtualenv(here / d))
        names = set(files)
        if names & set(NPM_LOCKS):
            globs = workspace_globs(here)
            if globs:
                workspace_roots.append((here, globs))
        for name in sorted(files):
            path = here / name
            if _superseded(name, names):
                continue
            if name == "package.json" and _locked_member(here, workspace_roots):
                continue
            for parser in parsers:
                if parser.wants(path):
                    found.append((path, parser))
                    break
    return found


def workspace_globs(folder: Path) -> list[str]:
    """The workspace member globs a project root declares: package.json `workspaces` (a list,
    or yarn's `{"packages": [...]}`) and pnpm-workspace.yaml `packages:`."""
    globs: list[str] = []
    try:
        data = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    declared = data.get("workspaces") if isinstance(data, dict) else None
    if isinstance(declared, dict):
        declared = declared.get("packages")
    if isinstance(declared, list):
        globs += [g for g in declared if isinstance(g, str)]
    globs += _pnpm_globs(folder / "pnpm-workspace.yaml")
    return globs


def _pnpm_globs(path: Path) -> list[str]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return []
    packages = data.get("packages") if isinstance(data, dict) else None
    return [g for g in packages if isinstance(g, str)] if isinstance(packages, list) else []


def _locked_member(folder: Path, roots: list[tuple[Path, list[str]]]) -> bool:
    """`folder` is a workspace member of a root whose lockfile covers it: npm, yarn, pnpm and
    bun lock every member with the root, so the member's package.json is no project of its
    own (resolving its ranges against the registry would look up its sibling workspaces)."""
    for root, globs in roots:
        if folder == root or root not in folder.parents:
            continue
        rel = folder.relative_to(root).as_posix()
        keep = [g.strip().removeprefix("./").rstrip("/") for g in globs if not g.startswith("!")]
        drop = [g[1:].strip().removeprefix("./").rstrip("/") for g in globs if g.startswith("!")]
        if any(_member_glob(rel, g) for g in keep) and not any(_member_glob(rel, g) for g in drop):
            return True
    return False


def _member_glob(rel: str, glob: str) -> bool:
    """A workspace glob: `*` within one folder name, `**` across folders."""
    if "**" in glob:
        return fnmatch.fnmatchcase(rel, glob) or fnmatch.fnmatchcase(rel, glob.replace("/**", ""))
    return rel.count("/") == glob.count("/") and fnmatch.fnmatchcase(rel, glob)


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
