"""pylock.toml (PEP 751), read and validated with packaging.pylock."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from depshield.lockfiles.base import LockedPackage, Lockfile, LockfileError, Source
from depshield.lockfiles.pycommon import ECOSYSTEM, entry_lines, line_at, link, load_toml, normalize
from depshield.lockfiles.pyproject import Roots, sibling_roots

if TYPE_CHECKING:
    from packaging.pylock import Package

_INDEX = re.compile(r"packages\[(\d+)\]")


class PylockParser:
    name = "pylock"
    ecosystem = ECOSYSTEM

    def wants(self, path: Path) -> bool:
        # PEP 751: "pylock.toml" or "pylock.<name>.toml".
        name = path.name
        return name.startswith("pylock.") and name.endswith(".toml") and name.count(".") >= 2

    def parse(self, path: Path, text: str) -> Lockfile:
        from packaging.pylock import Pylock, PylockValidationError

        data = load_toml(path, text)
        lines = entry_lines(text, "packages")
        try:
            lock = Pylock.from_dict(data)
        except PylockValidationError as exc:
            found = _INDEX.search(exc.context or "")
            line = line_at(lines, int(found.group(1))) if found else None
            raise LockfileError(
                str(path),
                line or None,
                f"not a valid pylock file: {exc}",
                tip="regenerate it with the tool that wrote it (PEP 751 lock-version 1.x)",
            ) from None
        roots, note = sibling_roots(path)
        packages: list[LockedPackage] = []
        dependencies: dict[str, list[tuple[str, str | None]]] = {}
        for index, entry in enumerate(lock.packages):
            package = _package(entry, line_at(lines, index), roots)
            packages.append(package)
            dependencies.setdefault(package.key, []).extend(_dependencies(entry.dependencies))
        edges = link(packages, dependencies, [(n, None) for n in roots.kinds] if roots else [])
        notes = (note,) if note else ()
        fmt = f"pylock@{lock.lock_version}"
        return Lockfile(str(path), ECOSYSTEM, fmt, tuple(packages), tuple(edges), notes)


def _package(entry: Package, line: int, roots: Roots | None) -> LockedPackage:
    source, resolved = _source(entry)
    return LockedPackage(
        ECOSYSTEM,
        str(entry.name),
        str(entry.version) if entry.version else "",
        line=line,
        resolved=resolved,
        hashes=_hashes(entry),
        source=source,
        direct=roots is not None and entry.name in roots.kinds,
        marker=str(entry.marker) if entry.marker else None,
    )


def _source(entry: Package) -> tuple[Source, str | None]:
    if entry.vcs:
        vcs = entry.vcs
        where = vcs.url or vcs.path or ""
        return "git", f"{vcs.type}+{where}@{vcs.commit_id}"
    if entry.directory:
        return "file", entry.directory.path
    if entry.archive:
        url = entry.archive.url
        return ("http", url) if url else ("file", entry.archive.path)
    return "registry", None


def _hashes(entry: Package) -> tuple[str, ...]:
    tables: list[Mapping[str, Any]] = []
    if entry.archive:
        tables.append(entry.archive.hashes)
    if entry.sdist:
        tables.append(entry.sdist.hashes)
    tables += [wheel.hashes for wheel in entry.wheels or ()]
    return tuple(dict.fromkeys(f"{algo}:{value}" for t in tables for algo, value in t.items()))


def _dependencies(items: Iterable[Mapping[str, Any]] | None) -> list[tuple[str, str | None]]:
    """PEP 751 `dependencies`: tables holding enough keys to identify a package entry."""
    found: list[tuple[str, str | None]] = []
    for item in items or ():
        name, version = item.get("name"), item.get("version")
        if isinstance(name, str):
            found.append((normalize(name), version if isinstance(version, str) else None))
    return found
