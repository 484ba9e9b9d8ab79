"""pylock.toml (PEP 751): [[packages]] with their index, VCS, directory or archive and hashes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from depshield.gcpause import paused_gc
from depshield.lockfiles.base import LockedPackage, Lockfile, LockfileError, Source
from depshield.lockfiles.pycommon import (
    ECOSYSTEM,
    entry_lines,
    items,
    line_at,
    link,
    load_toml,
    locked_files,
    normalize,
    optional_str,
    required_str,
    tables,
)
from depshield.lockfiles.pyproject import Roots, sibling_roots

# The PEP 751 rule: a package comes from exactly one direct source, or from distributions.
_DIRECT = ("vcs", "directory", "archive")
_TIP = "regenerate it with the tool that wrote it (PEP 751, lock-version 1.x)"


class PylockParser:
    name = "pylock"
    ecosystem = ECOSYSTEM

    def wants(self, path: Path) -> bool:
        # PEP 751 names: "pylock.toml" or "pylock.<name>.toml".
        name = path.name
        return name.startswith("pylock.") and name.endswith(".toml")

    @paused_gc()
    def parse(self, path: Path, text: str) -> Lockfile:
        # Read as data, not through packaging.pylock: its validation parses every wheel file
        # name and URL, several times slower than the whole TOML read for a large lock.
        data = load_toml(path, text)
        version = str(data.get("lock-version", ""))
        if not version.split(".")[0] == "1":
            raise LockfileError(str(path), None, f"unsupported lock-version {version!r}", tip=_TIP)
        lines = entry_lines(text, "packages")
        roots, note = sibling_roots(path)
        packages: list[LockedPackage] = []
        dependencies: dict[str, list[tuple[str, str | None]]] = {}
        for index, entry in enumerate(tables(data, "packages", path)):
            if _is_project(entry):
                continue  # the project itself, as uv export writes it: not a dependency
            package = _package(entry, line_at(lines, index), path, roots)
            packages.append(package)
            dependencies.setdefault(package.key, []).extend(_dependencies(entry))
        edges = link(packages, dependencies, [(n, None) for n in roots.kinds] if roots else [])
        notes = (note,) if note else ()
        return Lockfile(
            str(path), ECOSYSTEM, f"pylock@{version}", tuple(packages), tuple(edges), notes
        )


def _is_project(entry: dict[str, Any]) -> bool:
    directory = entry.get("directory")
    where = directory.get("path") if isinstance(directory, dict) else None
    return (
        isinstance(where, str)
        and where.strip().rstrip("/") in (".", "")
        and not entry.get("version")
    )


def _package(entry: dict[str, Any], line: int, path: Path, roots: Roots | None) -> LockedPackage:
    name = normalize(required_str(entry, "name", path, line))
    direct = [key for key in _DIRECT if isinstance(entry.get(key), dict)]
    distributions = bool(entry.get("sdist")) or bool(entry.get("wheels"))
    if len(direct) + distributions != 1:
        raise LockfileError(
            str(path),
            line or None,
            f"package {name!r} needs exactly one of vcs, directory, archive, or sdist/wheels",
            tip=_TIP,
        )
    source, resolved = _source(entry, direct[0] if direct else None)
    return LockedPackage(
        ECOSYSTEM,
        name,
        optional_str(entry, "version") or "",
        line=line,
        resolved=resolved,
        hashes=_hashes(entry),
        files=locked_files([entry.get("sdist"), *items(entry.get("wheels"))]),
        source=source,
        direct=roots is not None and name in roots.kinds,
        marker=optional_str(entry, "marker"),
    )


def _source(entry: dict[str, Any], kind: str | None) -> tuple[Source, str | None]:
    if kind is None:
        return "registry", None
    table: dict[str, Any] = entry[kind]
    where = optional_str(table, "url") or optional_str(table, "path") or ""
    if kind == "vcs":
        vcs = optional_str(table, "type") or "git"
        commit = optional_str(table, "commit-id")
        return "git", f"{vcs}+{where}@{commit}" if commit else f"{vcs}+{where}"
    if kind == "archive" and optional_str(table, "url"):
        return "http", where
    return "file", where


def _hashes(entry: dict[str, Any]) -> tuple[str, ...]:
    """Every `hashes` table of the archive, sdist and wheels, as "algorithm:digest"."""
    files = [entry.get("archive"), entry.get("sdist"), *items(entry.get("wheels"))]
    found: dict[str, None] = {}
    for item in files:
        digests = item.get("hashes") if isinstance(item, dict) else None
        for algorithm, digest in digests.items() if isinstance(digests, dict) else ():
            found[f"{algorithm}:{digest}"] = None
    return tuple(found)


def _dependencies(entry: dict[str, Any]) -> list[tuple[str, str | None]]:
    """PEP 751 `dependencies`: tables with enough keys (name, version...) to find the entry."""
    found: list[tuple[str, str | None]] = []
    for item in items(entry.get("dependencies")):
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str):
            found.append((normalize(name), optional_str(item, "version")))
    return found
