"""pdm.lock: [[package]] entries with groups, sources, file hashes and PEP 508 dependencies."""

from __future__ import annotations

import re
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
    load_toml,
    locked_files,
    normalize,
    optional_str,
    required_str,
    tables,
)
from depshield.lockfiles.pyproject import Roots, sibling_roots

# The name at the start of a PEP 508 string; the rest (extras, specifier, marker) is not needed.
_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
_DEFAULT = "default"


class PdmLockParser:
    name = "pdm"
    ecosystem = ECOSYSTEM

    def wants(self, path: Path) -> bool:
        return path.name == "pdm.lock"

    @paused_gc()
    def parse(self, path: Path, text: str) -> Lockfile:
        data = load_toml(path, text)
        roots, note = sibling_roots(path)
        lines = entry_lines(text, "package")
        found: dict[str, LockedPackage] = {}
        dependencies: dict[str, list[tuple[str, str | None]]] = {}
        for index, entry in enumerate(tables(data, "package", path)):
            package = _package(entry, line_at(lines, index), path, roots)
            # pdm repeats a package once per extra asked for ("celery" + extras = ["redis"]).
            first = found.setdefault(package.key, package)
            if first is not package:
                found[package.key] = replace(
                    first,
                    dev=first.dev and package.dev,
                    optional=first.optional and package.optional,
                )
            dependencies.setdefault(package.key, []).extend(_dependencies(entry))
        packages = list(found.values())
        edges = link(packages, dependencies, [(n, None) for n in roots.kinds] if roots else [])
        metadata = data.get("metadata")
        version = metadata.get("lock_version", "?") if isinstance(metadata, dict) else "?"
        notes = (note,) if note else ()
        return Lockfile(
            str(path), ECOSYSTEM, f"pdm@{version}", tuple(packages), tuple(edges), notes
        )


def _package(entry: dict[str, Any], line: int, path: Path, roots: Roots | None) -> LockedPackage:
    name = normalize(required_str(entry, "name", path, line))
    version = optional_str(entry, "version") or ""
    source, resolved = _source(entry)
    groups = entry.get("groups")
    dev, optional = _group_flags(groups if isinstance(groups, list) else None, roots)
    files = entry.get("files")
    files = files if isinstance(files, list) else []
    return LockedPackage(
        ECOSYSTEM,
        name,
        version,
        line=line,
        resolved=resolved,
        hashes=file_hashes(files),
        files=locked_files(files),
        source=source,
        direct=roots is not None and name in roots.kinds,
        dev=dev,
        optional=optional,
        marker=optional_str(entry, "marker"),
    )


def _source(entry: dict[str, Any]) -> tuple[Source, str | None]:
    git = optional_str(entry, "git")
    if git:
        revision = optional_str(entry, "revision") or optional_str(entry, "ref")
        return "git", f"git+{git}@{revision}" if revision else f"git+{git}"
    url = optional_str(entry, "url")
    if url:
        return ("file" if url.startswith("file:") else "http"), url
    local = optional_str(entry, "path")
    return ("file", local) if local else ("registry", None)


def _group_flags(groups: list[Any] | None, roots: Roots | None) -> tuple[bool, bool]:
    """(dev, optional): outside the default group, a package is only in extras or dev groups.

    pdm calls both extras and dependency groups "groups"; which is which only the pyproject.toml
    says, so without it every non-default group counts as dev.
    """
    if not groups or _DEFAULT in groups:
        return False, False
    optional = roots is not None and all(normalize(str(g)) in roots.extras for g in groups)
    return not optional, optional


def _dependencies(entry: dict[str, Any]) -> list[tuple[str, str | None]]:
    items = entry.get("dependencies")
    found: list[tuple[str, str | None]] = []
    for item in items if isinstance(items, list) else ():
        match = _NAME.match(item) if isinstance(item, str) else None
        if match:
            found.append((normalize(match.group(1)), None))
    return found
