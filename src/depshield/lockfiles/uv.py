"""uv.lock: packages, their sources and artifact hashes, and the project's dependency graph."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from depshield.gcpause import paused_gc
from depshield.lockfiles.base import ROOT, LockedPackage, Lockfile, Source
from depshield.lockfiles.graph import Graph
from depshield.lockfiles.pycommon import (
    ECOSYSTEM,
    entry_lines,
    file_hashes,
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

Wanted = list[tuple[str, str | None]]
# The project itself (and workspace members): built from the working tree, never fetched.
_PROJECT = ("editable", "virtual")


class UvLockParser:
    name = "uv"
    ecosystem = ECOSYSTEM

    def wants(self, path: Path) -> bool:
        return path.name == "uv.lock"

    @paused_gc()
    def parse(self, path: Path, text: str) -> Lockfile:
        data = load_toml(path, text)
        lines = entry_lines(text, "package")
        packages: list[LockedPackage] = []
        dependencies: dict[str, Wanted] = {}
        roots: dict[str, Wanted] = {"main": [], "optional": [], "dev": []}
        for index, entry in enumerate(tables(data, "package", path)):
            line = line_at(lines, index)
            name = normalize(required_str(entry, "name", path, line))
            source = _table(entry.get("source"))
            if any(kind in source for kind in _PROJECT):
                for kind, wanted in _wanted(entry).items():
                    roots[kind] += wanted
                continue
            package = _package(entry, name, line, path, source)
            packages.append(package)
            dependencies.setdefault(package.key, []).extend(
                w for wanted in _wanted(entry).values() for w in wanted
            )
        edges = link(packages, dependencies, [w for wanted in roots.values() for w in wanted])
        packages = _flags(packages, edges, roots)
        fmt = f"uv@{data.get('version', 1)}"
        return Lockfile(str(path), ECOSYSTEM, fmt, tuple(packages), tuple(edges))


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _package(
    entry: dict[str, Any], name: str, line: int, path: Path, source: dict[str, Any]
) -> LockedPackage:
    # A git or directory package may have no static version.
    version = optional_str(entry, "version") or ""
    if "version" in entry and not version:
        version = required_str(entry, "version", path, line)
    files = [entry.get("sdist"), *items(entry.get("wheels"))]
    kind, resolved = _source(source)
    return LockedPackage(
        ECOSYSTEM,
        name,
        version,
        line=line,
        resolved=resolved,
        hashes=file_hashes(files),
        source=kind,
        files=locked_files(files),
    )


def _source(source: dict[str, Any]) -> tuple[Source, str | None]:
    if "git" in source:
        return "git", f"git+{source['git']}"
    if "url" in source:
        return "http", str(source["url"])
    for key in ("path", "directory"):
        if key in source:
            return "file", str(source[key])
    return "registry", None


def _wanted(entry: dict[str, Any]) -> dict[str, Wanted]:
    """The entry's dependencies by kind: main, optional (extras) and dev (dependency groups)."""

    def names(listed: Any) -> Wanted:
        return [
            (normalize(str(item["name"])), optional_str(item, "version"))
            for item in items(listed)
            if isinstance(item, dict) and "name" in item
        ]

    groups = {"optional": "optional-dependencies", "dev": "dev-dependencies"}
    found = {"main": names(entry.get("dependencies"))}
    for kind, key in groups.items():
        found[kind] = [w for listed in _table(entry.get(key)).values() for w in names(listed)]
    return found


def _flags(
    packages: list[LockedPackage], edges: list[tuple[str, str]], roots: dict[str, Wanted]
) -> list[LockedPackage]:
    """direct, dev and optional from what the project's own entry asks for, and how."""
    graph = Graph((p, c) for p, c in edges if p != ROOT)
    reach: dict[str, set[str]] = {}
    for kind, wanted in roots.items():
        names = {name for name, _ in wanted}
        starts = [c for p, c in edges if p == ROOT and c.rpartition("@")[0] in names]
        reach[kind] = graph.reach(starts, set())
    direct = {name for wanted in roots.values() for name, _ in wanted}
    has_roots = any(roots.values())
    return [
        replace(
            p,
            direct=p.name in direct,
            dev=has_roots and p.key not in reach["main"] and p.key in reach["dev"],
            optional=has_roots and p.key not in reach["main"] and p.key in reach["optional"],
        )
        for p in packages
    ]
