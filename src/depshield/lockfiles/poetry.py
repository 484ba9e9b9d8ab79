"""poetry.lock: [[package]] entries, their sources, file hashes and [package.dependencies]."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from depshield.gcpause import paused_gc
from depshield.lockfiles.base import LockedPackage, Lockfile, Source
from depshield.lockfiles.pycommon import (
    ECOSYSTEM,
    entry_lines,
    file_hashes,
    line_at,
    link,
    locked_files,
    normalize,
    optional_str,
    required_str,
    toml_entries,
)
from depshield.lockfiles.pyproject import Roots, sibling_roots

# [package.source] type -> where the package comes from; "legacy" is a package index.
_SOURCES: dict[str, Source] = {
    "git": "git",
    "url": "http",
    "file": "file",
    "directory": "file",
    "legacy": "registry",
}


class PoetryLockParser:
    name = "poetry"
    ecosystem = ECOSYSTEM

    def wants(self, path: Path) -> bool:
        return path.name == "poetry.lock"

    @paused_gc()
    def parse(self, path: Path, text: str) -> Lockfile:
        roots, note = sibling_roots(path)
        lines = entry_lines(text, "package")

        def convert(index: int, entry: dict[str, Any]) -> _Entry:
            package = _package(entry, line_at(lines, index), path, roots)
            names = _table(entry.get("dependencies"))
            wanted: list[tuple[str, str | None]] = [(normalize(n), None) for n in names]
            return package, wanted, "files" in entry

        entries, data = toml_entries(path, text, convert)
        metadata = _table(data.get("metadata"))
        # Lock format 1.1 keeps the file hashes apart, in [metadata.files] by package name.
        old_files = {normalize(k): v for k, v in _table(metadata.get("files")).items()}
        packages: list[LockedPackage] = []
        dependencies: dict[str, list[tuple[str, str | None]]] = {}
        for package, wanted, has_files in entries:
            if not has_files and package.name in old_files:
                package = _with_files(package, old_files[package.name])
            packages.append(package)
            dependencies.setdefault(package.key, []).extend(wanted)
        edges = link(packages, dependencies, [(n, None) for n in roots.kinds] if roots else [])
        fmt = f"poetry@{metadata.get('lock-version', '1.0')}"
        notes = (note,) if note else ()
        return Lockfile(str(path), ECOSYSTEM, fmt, tuple(packages), tuple(edges), notes)


# One entry as it is parsed: the package, the names it depends on, whether it lists its files.
_Entry = tuple[LockedPackage, list[tuple[str, str | None]], bool]


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _package(entry: dict[str, Any], line: int, path: Path, roots: Roots | None) -> LockedPackage:
    name = normalize(required_str(entry, "name", path, line))
    version = required_str(entry, "version", path, line)
    source, resolved = _source(_table(entry.get("source")))
    groups = entry.get("groups")
    # Poetry < 1.5 wrote category = "dev"; later versions list the groups a package is in.
    dev = entry.get("category") == "dev" or (isinstance(groups, list) and "main" not in groups)
    files = entry.get("files")
    files = files if isinstance(files, list) else []
    # By position (keywords took 2.5 times as long, issue 17), in LockedPackage's field order.
    return LockedPackage(
        ECOSYSTEM,
        name,
        version,
        line,
        resolved,
        file_hashes(files),
        source,
        roots is not None and name in roots.kinds,  # direct
        dev,
        entry.get("optional") is True,  # optional
        False,  # peer
        _marker(entry.get("markers")),
        None,  # file
        locked_files(files),
    )


def _with_files(package: LockedPackage, files: Any) -> LockedPackage:
    files = files if isinstance(files, list) else []
    return replace(package, hashes=file_hashes(files), files=locked_files(files))


def _source(table: dict[str, Any]) -> tuple[Source, str | None]:
    kind = optional_str(table, "type")
    url = optional_str(table, "url")
    if kind is None or url is None:
        return "registry", None
    if kind == "git":
        ref = optional_str(table, "resolved_reference") or optional_str(table, "reference")
        return "git", f"git+{url}@{ref}" if ref else f"git+{url}"
    source = _SOURCES.get(kind, "http")
    return source, None if source == "registry" else url


def _marker(value: Any) -> str | None:
    """`markers` is a string, or (Poetry 2) a table of one marker per dependency group."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        found = list(dict.fromkeys(str(v) for v in value.values() if v))
        if len(found) == 1:
            return found[0]
        return " or ".join(f"({m})" for m in found) or None
    return None
