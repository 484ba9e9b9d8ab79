"""What a new lockfile adds or changes against what is installed now."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from depshield.errors import DepshieldError
from depshield.lockfiles.base import LockedPackage, Lockfile
from depshield.project_files import read_text

# The project's own code. Local folders and tarballs (`file:`, links) are not: `npm install
# ./folder` brings in code like a registry package does, and is analysed from disk (issue 12).
_PROJECT_CODE = ("workspace",)


@dataclass(frozen=True, slots=True)
class Changes:
    added: tuple[LockedPackage, ...]
    unchanged: int
    previous: dict[str, str] = field(default_factory=dict)  # name -> version installed now


def diff(new: Lockfile, installed: Lockfile | None) -> Changes:
    """Packages of `new` not installed with the same name, version and (when both say) hash."""
    have: dict[tuple[str, str], set[tuple[str, ...]]] = {}
    previous: dict[str, str] = {}
    for pkg in installed.packages if installed else ():
        have.setdefault((pkg.name, pkg.version), set()).add(pkg.hashes)
        previous.setdefault(pkg.name, pkg.version)
    added: dict[str, LockedPackage] = {}
    unchanged = 0
    for pkg in new.packages:
        if pkg.source in _PROJECT_CODE:
            continue  # the project's own code, not something installed
        hashes = have.get((pkg.name, pkg.version))
        if hashes is not None and _same(pkg.hashes, hashes):
            unchanged += 1
        else:
            added.setdefault(pkg.ref.purl, pkg)
    return Changes(tuple(added.values()), unchanged, previous)


def _same(new: tuple[str, ...], installed: set[tuple[str, ...]]) -> bool:
    if not new:
        return True  # nothing to compare: name and version decide
    return any(not old or set(old) & set(new) for old in installed)


Parse = Callable[[Path, str], Lockfile]


def read_lock(path: Path, parse: Parse) -> Lockfile | None:
    """A lockfile read with depshield's parser; None when it is absent or unreadable."""

    try:  # the project-file reader: never a FIFO, a device or a symlink out of the project
        text = read_text(path, root=path.parent)
    except (OSError, UnicodeDecodeError, DepshieldError):
        return None
    try:
        return parse(path, text)
    except DepshieldError:
        return None


def installed_state(project: Path, hidden: Path, lockfile: Path, parse: Parse) -> Lockfile | None:
    """What is installed now: the package manager's record in node_modules when it has one; the
    project's lockfile when node_modules exists without it; nothing on a fresh checkout."""
    recorded = read_lock(hidden, parse)
    if recorded is not None:
        return recorded
    if (project / "node_modules").is_dir():
        return read_lock(lockfile, parse)
    return None
