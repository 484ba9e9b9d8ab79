"""One side of a pull request as a tree of files (a git commit, or one read through the REST
API), and exporting the files a project diff needs (manifests, lockfiles, local packages)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from depshield.lockfiles.parsers import parsers
from depshield.pr.git import export, list_files, tree_id
from depshield.scan.discover import SKIP_DIRS

# Files a parser may read beside the lockfile it was given: workspace manifests, `-r` includes.
COMPANIONS = ("package.json", "pyproject.toml", "setup.cfg", "pnpm-workspace.yaml", ".npmrc")
REQUIREMENT_SUFFIXES = (".txt", ".in")


class Tree(Protocol):
    """A read-only tree of files; `label` names it in reports (`main`, `a1b2c3d`, a path)."""

    @property
    def label(self) -> str: ...

    def files(self) -> list[str]:
        """Every file's POSIX path relative to the tree's root."""
        ...

    def export(self, paths: Sequence[str], dest: Path) -> None:
        """Write these files or folders (as the tree has them) under `dest`."""
        ...

    def folder_id(self, path: str) -> str | None:
        """Something equal for equal folder contents (a git tree id), or None when unknown."""
        ...


@dataclass(frozen=True)
class GitTree:
    repo: Path
    commit: str
    label: str

    def files(self) -> list[str]:

        return list_files(self.repo, self.commit)

    def export(self, paths: Sequence[str], dest: Path) -> None:

        if paths:
            export(self.repo, self.commit, list(paths), dest)

    def folder_id(self, path: str) -> str | None:

        return tree_id(self.repo, self.commit, path)


def project_files(paths: Sequence[str]) -> list[str]:
    """The files a project diff reads: every file a lockfile parser wants, plus the manifests
    and requirement includes those parsers may open beside it; never inside node_modules."""

    table = parsers()
    wanted: list[str] = []
    for path in paths:
        pure = PurePosixPath(path)
        if any(part in SKIP_DIRS for part in pure.parts[:-1]):
            continue
        name = pure.name.lower()
        if (
            name in COMPANIONS
            or (name.endswith(REQUIREMENT_SUFFIXES) and "requirement" in path.lower())
            or any(p.wants(Path(path)) for p in table)
        ):
            wanted.append(path)
    return wanted


def inside(root: Path, relative: str) -> Path | None:
    """`root / relative` when it stays inside `root` (a local dependency may point anywhere)."""
    target = (root / relative).resolve()
    base = root.resolve()
    return target if target == base or base in target.parents else None
