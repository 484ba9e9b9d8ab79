"""The project diff: parse both sides, classify the package changes, analyse what is new."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from depshield.errors import UsageError
from depshield.lockfiles.base import Lockfile
from depshield.lockfiles.graph import introduced_by
from depshield.pr import git
from depshield.pr.analyse import AnalyseOptions, assess, local_dir
from depshield.pr.changes import LOCAL_SOURCES, Change, diff_lockfiles
from depshield.pr.policy import base_policy as read_policy
from depshield.pr.report import PrReport
from depshield.pr.source import GitTree, Tree, project_files
from depshield.reports.base import InputError
from depshield.scan.resolve import resolve_unpinned
from depshield.scan.run import read_project


@dataclass(frozen=True, slots=True)
class Side:
    lockfiles: list[Lockfile]
    errors: list[str]
    unreadable: tuple[InputError, ...] = ()  # lockfiles that could not be parsed
    refused: list[str] = field(default_factory=list)  # also in errors: files the reader refused


@dataclass(frozen=True, slots=True)
class PrOutcome:
    report: PrReport
    network_failed: bool
    # Lockfiles of either side that could not be read: the change was not fully checked (exit 2).
    unreadable: tuple[InputError, ...] = ()
    refused: list[str] = field(default_factory=list)  # also in the report's errors; exit 2


def compare_trees(base: Tree, head: Tree, options: AnalyseOptions, subdir: str = "") -> PrOutcome:
    """Both trees' lockfiles under `subdir` -> the report of what the head brings in."""
    with tempfile.TemporaryDirectory(prefix="depshield-pr-") as tmp:
        base_root, head_root = Path(tmp, "base"), Path(tmp, "head")
        old = load_tree(base, base_root, subdir, options.offline)
        new = load_tree(head, head_root, subdir, options.offline)
        changes = diff_lockfiles(old.lockfiles, new.lockfiles)
        project = head_root / subdir if subdir else head_root
        changes += _changed_locals(old.lockfiles, new.lockfiles, (base, head), project, subdir)
        _export_locals(changes, head, head_root, subdir)
        return _finish(base.label, head.label, old, new, changes, project, options)


def compare_refs(
    base: str, head: str, path: Path, options: AnalyseOptions, *, base_policy: bool = False
) -> PrOutcome:
    """Two commits of the repository holding `path`; `path` below the top narrows the scan.
    With `base_policy`, the policy is the base commit's depshield.toml (see pr/policy.py)."""

    if not path.exists():
        raise UsageError(f"no such file or directory: {str(path)!r}")
    folder = path if path.is_dir() else path.parent
    top = git.toplevel(folder)
    subdir = folder.resolve().relative_to(top.resolve()).as_posix()
    old = GitTree(top, git.resolve(top, base), base)
    new = GitTree(top, git.resolve(top, head), head)
    subdir = "" if subdir == "." else subdir
    if base_policy:
        options = replace(options, policy=read_policy(old, subdir))
    return compare_trees(old, new, options, subdir)


def compare_paths(base: Path, head: Path, options: AnalyseOptions) -> PrOutcome:
    """Two lockfiles, or two project directories, on disk."""
    old = load_path(base, options.offline)
    new = load_path(head, options.offline)
    changes = diff_lockfiles(old.lockfiles, new.lockfiles)
    root = head if head.is_dir() else head.parent
    return _finish(str(base), str(head), old, new, changes, root, options)


def _finish(
    base: str,
    head: str,
    old: Side,
    new: Side,
    changes: list[Change],
    root: Path,
    options: AnalyseOptions,
) -> PrOutcome:
    outcome = assess(changes, root, options)
    unreadable = (
        *(replace(e, message=f"base: {e.message}") for e in old.unreadable),
        *new.unreadable,
    )
    report = PrReport(
        base=base,
        head=head,
        items=outcome.items,
        lockfiles=sorted({lock.path for lock in new.lockfiles}),
        errors=[f"base: {e}" for e in old.errors] + new.errors + outcome.errors,
        notes=[f"{lock.path}: {n}" for lock in new.lockfiles for n in lock.notes],
        unreadable=unreadable,
    )
    refused = [f"base: {e}" for e in old.refused] + new.refused + outcome.refused
    return PrOutcome(report, outcome.network_failed, unreadable, refused)


def load_tree(tree: Tree, dest: Path, subdir: str, offline: bool) -> Side:
    """Export the tree's manifests and lockfiles under `dest`, then parse them as a scan does."""
    prefix = PurePosixPath(subdir) if subdir else None
    paths = [p for p in tree.files() if prefix is None or prefix in PurePosixPath(p).parents]
    dest.mkdir(parents=True, exist_ok=True)
    tree.export(project_files(paths), dest)
    root = dest / subdir if subdir else dest
    if not root.is_dir():
        return Side([], [])
    return load_path(root, offline)


def load_path(root: Path, offline: bool) -> Side:

    refused: list[str] = []
    lockfiles, problems = read_project(root, refused)
    # Name files as the repository does, not by the temporary checkout they were written to.
    prefix = str(root) + os.sep
    unreadable = tuple(replace(e, message=e.message.replace(prefix, "")) for e in problems)
    errors = [str(e) for e in unreadable]
    refused = [e.replace(prefix, "") for e in refused]
    if not offline:
        lockfiles, resolve_problems = resolve_unpinned(lockfiles)
        errors += resolve_problems
    return Side(lockfiles, errors, unreadable, refused)


def _changed_locals(
    base: Sequence[Lockfile],
    head: Sequence[Lockfile],
    trees: tuple[Tree, Tree],
    root: Path,
    subdir: str,
) -> list[Change]:
    """Local packages present on both sides under the same version whose folder changed."""

    before = {(p.name, p.version) for lock in base for p in lock.packages}
    found: list[Change] = []
    for lock in head:
        paths = introduced_by(lock)
        for pkg in lock.packages:
            if pkg.source not in LOCAL_SOURCES or (pkg.name, pkg.version) not in before:
                continue
            rel = local_dir(pkg, lock.path, root)
            if rel is None:
                continue
            folder = _normal(f"{subdir}/{rel}" if subdir else rel)
            ids = [tree.folder_id(folder) for tree in trees]
            if None not in ids and ids[0] != ids[1]:
                change = Change(
                    "changed", pkg.ecosystem, pkg.name, pkg.version, pkg.version, pkg.direct,
                    pkg.dev, lock.path, pkg.line, paths.get(pkg.key, pkg.name), pkg, None,
                )  # fmt: skip
                found.append(change)
    return found


def _export_locals(changes: Sequence[Change], head: Tree, dest: Path, subdir: str) -> None:
    """Local packages the change brings in are read from the head tree, so export them."""
    root = dest / subdir if subdir else dest
    folders = []
    for change in changes:
        if change.local and change.brings_code and change.package is not None:
            rel = local_dir(change.package, change.lockfile, root)
            if rel is not None and rel not in ("", "."):
                folders.append(_normal(f"{subdir}/{rel}" if subdir else rel))
    if folders:
        head.export(sorted(set(folders)), dest)


def _normal(path: str) -> str:
    """`a/./b/../c` -> `a/c` without touching the disk (a git path has no `..`)."""
    import posixpath

    return posixpath.normpath(path).lstrip("/") if path else path


__all__ = ["compare_trees", "compare_paths", "PrOutcome"]
