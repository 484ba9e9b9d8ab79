"""yarn and pnpm: each in its lockfile-only mode in a copy of the project (pnpm
`--lockfile-only --ignore-scripts`, yarn 2+ `--mode=update-lockfile`, yarn 1 `--ignore-scripts`
in the copy, which it unpacks there but never runs), then the new lockfile against node_modules."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from depshield.guard.base import Plan, ResolutionFailed, Wrapped
from depshield.guard.lockdiff import Parse, diff, installed_state, read_lock
from depshield.guard.npm import copy_project
from depshield.guard.npm_args import npm_prefix
from depshield.guard.process import capture, find_tool
from depshield.lockfiles.base import Lockfile
from depshield.lockfiles.pnpm import PnpmLockParser
from depshield.lockfiles.yarn import YarnLockParser

_PNPM_VERBS = {"add", "install", "i", "update", "up", "upgrade"}
_YARN_VERBS = {"add", "install", "upgrade", "up"}
_PNPM_FILES = ("pnpm-lock.yaml", "pnpm-workspace.yaml", ".pnpmfile.cjs")
_YARN_FILES = ("yarn.lock", ".yarnrc", ".yarnrc.yml")


class PnpmResolver:
    def plan(self, wrapped: Wrapped) -> Plan | None:
        words = [a for a in wrapped.args if not a.startswith("-")]
        if not words or words[0] not in _PNPM_VERBS:
            return None
        project = npm_prefix(wrapped.cwd)
        extra = ["--lockfile-only", "--ignore-scripts"]
        new = _in_copy(wrapped, project, _PNPM_FILES, (), extra, "pnpm-lock.yaml", _pnpm)
        installed = installed_state(
            project,
            project / "node_modules" / ".pnpm" / "lock.yaml",
            project / "pnpm-lock.yaml",
            _pnpm,
        )
        changes = diff(new, installed)
        method = "pnpm --lockfile-only --ignore-scripts"
        return Plan(changes.added, method, changes.unchanged, changes.previous)


class YarnResolver:
    def plan(self, wrapped: Wrapped) -> Plan | None:
        words = [a for a in wrapped.args if not a.startswith("-")]
        if words and words[0] not in _YARN_VERBS:
            return None  # a bare `yarn` installs, like `yarn install`
        project = npm_prefix(wrapped.cwd)
        version = capture([find_tool(wrapped.argv[0]), "--version"], project).stdout.strip()
        berry = not version.startswith("1.")
        extra = ["--mode=update-lockfile"] if berry else ["--ignore-scripts", "--non-interactive"]
        dirs = (".yarn/releases", ".yarn/plugins") if berry else ()
        new = _in_copy(wrapped, project, _YARN_FILES, dirs, extra, "yarn.lock", _yarn)
        installed = installed_state(
            project, project / "node_modules" / ".yarn-state.yml", project / "yarn.lock", _yarn
        )
        changes = diff(new, installed)
        method = f"yarn {version} " + " ".join(extra)
        return Plan(changes.added, method, changes.unchanged, changes.previous)


def _in_copy(
    wrapped: Wrapped,
    project: Path,
    files: tuple[str, ...],
    dirs: tuple[str, ...],
    extra: list[str],
    lock_name: str,
    parse: Parse,
) -> Lockfile:
    program = find_tool(wrapped.argv[0])
    with tempfile.TemporaryDirectory(prefix="depshield-guard-") as tmp:
        folder = Path(tmp)
        copy_project(project, folder, keep_lock=False)
        for name in files:
            if (project / name).is_file():
                shutil.copyfile(project / name, folder / name)
        for name in dirs:
            if (project / name).is_dir():
                shutil.copytree(project / name, folder / name)
        args = list(wrapped.args) or ["install"]
        done = capture([program, *args, *extra], folder, dict(os.environ))
        if done.returncode != 0:
            raise ResolutionFailed(
                f"{wrapped.argv[0]} could not work out what {wrapped.display()!r} would install"
                + (": the registry cannot be reached" if done.registry_down else ""),
                returncode=done.returncode,
                stdout=done.stdout,
                stderr=done.stderr,
                registry_down=done.registry_down,
            )
        lock = read_lock(folder / lock_name, parse)
    if lock is None:
        raise ResolutionFailed(f"{wrapped.argv[0]} wrote no {lock_name}", returncode=2)
    return lock


def _pnpm(path: Path, text: str) -> Lockfile:

    return PnpmLockParser().parse(path, text)


def _yarn(path: Path, text: str) -> Lockfile:

    return YarnLockParser().parse(path, text)
