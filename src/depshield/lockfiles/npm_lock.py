"""package-lock.json and npm-shrinkwrap.json, lockfileVersion 1, 2 and 3."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from depshield.gcpause import paused_gc
from depshield.lockfiles.base import ROOT, Lockfile, LockfileError, Source
from depshield.lockfiles.npm_common import (
    ECOSYSTEM,
    REGENERATE,
    KeyLines,
    guard,
    load_json,
    mapping,
    source_of,
    text_or_none,
)
from depshield.lockfiles.npm_graph import EdgeKind, GraphBuilder

NAMES = ("package-lock.json", "npm-shrinkwrap.json")
_VERSION_KEY = re.compile(r'"lockfileVersion"\s*:')
# Sections of a package's manifest that npm installs, and the edge each one makes.
_DEP_SECTIONS: tuple[tuple[str, EdgeKind], ...] = (
    ("dependencies", "prod"),
    ("optionalDependencies", "optional"),
    ("peerDependencies", "peer"),
)
_NM = "node_modules/"


class NpmLockParser:
    """npm's lockfiles; v2 and v3 are read from `packages`, v1 from the nested `dependencies`."""

    name = "package-lock"
    ecosystem = ECOSYSTEM

    def wants(self, path: Path) -> bool:
        return path.name in NAMES

    def parse(self, path: Path, text: str) -> Lockfile:
        return self.parse_with_manifest(path, text, None)

    @paused_gc()
    def parse_with_manifest(self, path: Path, text: str, manifest: str | None) -> Lockfile:
        """Parse; v1 lockfiles take their direct dependencies from `manifest` (package.json)."""
        return guard(path, lambda: _parse(path, text, manifest))


def _parse(path: Path, text: str, manifest: str | None) -> Lockfile:
    data = load_json(path, text)
    version = data.get("lockfileVersion")
    if version in (2, 3) and isinstance(data.get("packages"), dict):
        builder = _read_packages(path, text, data.pop("packages"), version)
        del data  # the parsed document is gone before the packages are built (issue 17)
        return builder.build(derive=False)
    if version in (1, 2, None) and isinstance(data.get("dependencies"), dict):
        from depshield.lockfiles.npm_lock_v1 import parse_v1

        return parse_v1(path, text, data["dependencies"], manifest)
    if version in (1, 2, 3, None):
        raise LockfileError(
            str(path), None, f"lockfileVersion {version!r} without its packages", tip=REGENERATE
        )
    match = _VERSION_KEY.search(text)
    raise LockfileError(
        str(path),
        text.count("\n", 0, match.start()) + 1 if match else None,
        f"unsupported lockfileVersion {version!r}",
        tip="depshield reads lockfileVersion 1, 2 and 3; regenerate it with npm 7 or later",
    )


def _read_packages(path: Path, text: str, packages: dict[str, Any], version: int) -> GraphBuilder:
    builder = GraphBuilder(path, f"package-lock@{version}")
    root = mapping(packages.get(""))
    globs = _workspace_globs(root)
    lines = KeyLines(text, max(text.find('"packages"'), 0))
    keys: dict[str, str] = {}  # location -> package key
    links: dict[str, str] = {}  # location of a link -> location it points to
    installed_as = _link_names(packages)
    for location, entry in packages.items():
        line = lines.find(location)
        if not isinstance(entry, dict):
            raise LockfileError(
                str(path), line or None, f"entry {location!r} is not an object", tip=REGENERATE
            )
        if location == "":
            continue
        if entry.get("link"):
            links[location] = str(entry.get("resolved") or "")
            continue
        keys[location] = _add(builder, location, entry, line, globs, installed_as.get(location))
    for location, entry in packages.items():
        parent = ROOT if location == "" else keys.get(location)
        if parent is not None and isinstance(entry, dict):
            _edges(builder, location, entry, parent, keys, links)
    for key in keys.values():
        if builder.entries[key].source == "workspace":
            builder.edge(ROOT, key)  # npm installs every workspace, wanted or not
    return builder


def _link_names(packages: dict[str, Any]) -> dict[str, str]:
    """Link target location -> the name npm installs it under (`node_modules/<name>`), which is
    the name in the target's package.json even when the lock's target entry omits it."""
    names: dict[str, str] = {}
    for location, entry in packages.items():
        if isinstance(entry, dict) and entry.get("link") and isinstance(entry.get("resolved"), str):
            names.setdefault(entry["resolved"], _name_at(location))
    return names


def _add(
    builder: GraphBuilder,
    location: str,
    entry: dict[str, Any],
    line: int,
    globs: list[str],
    linked_as: str | None = None,
) -> str:
    resolved = text_or_none(entry.get("resolved"))
    source: Source = source_of(resolved)
    if _NM not in f"/{location}":
        # A folder of the project (a workspace) or outside it (a `file:` directory); its
        # location, relative to the lockfile, is where the scan reads its code from.
        source = "workspace" if any(fnmatchcase(location, g) for g in globs) else "link"
        resolved = resolved or location
    integrity = entry.get("integrity")
    key = builder.add(
        text_or_none(entry.get("name")) or linked_as or _name_at(location),
        str(entry.get("version") or ""),
        line=line,
        resolved=resolved,
        hashes=tuple(integrity.split()) if isinstance(integrity, str) else (),
        source=source,
        dev=bool(entry.get("dev")),
        # devOptional: needed in production only as an optional dependency (npm docs).
        optional=bool(entry.get("optional") or entry.get("devOptional")),
        peer=bool(entry.get("peer")),
    )
    if source == "workspace":
        builder.project(key)
    return key


def _edges(
    builder: GraphBuilder,
    location: str,
    entry: dict[str, Any],
    parent: str,
    keys: dict[str, str],
    links: dict[str, str],
) -> None:
    sections = list(_DEP_SECTIONS)
    if location == "" or builder.entries[parent].source == "workspace":
        sections.append(("devDependencies", "dev"))  # npm installs only the project's own
    for section, kind in sections:
        for name in mapping(entry.get(section)):
            found = _resolve(location, name, keys, links)
            child = keys.get(links.get(found, found)) if found else None
            if child is not None:
                builder.edge(parent, child, kind)


def _resolve(location: str, name: str, keys: dict[str, str], links: dict[str, str]) -> str | None:
    """Node's lookup: `<dir>/node_modules/<name>` from the package's folder up to the root.

    A folder outside the project (`../shared`, a `file:` link) never reaches the project's own
    node_modules: going up from it leaves the project.
    """
    base = location
    outside = location.startswith("../")
    while True:
        if outside and base == "":
            return None
        if not base.endswith("node_modules"):
            candidate = f"{base}/{_NM}{name}" if base else f"{_NM}{name}"
            if candidate in keys or candidate in links:
                return candidate
        if not base:
            return None
        base = base.rpartition("/")[0]


def _name_at(location: str) -> str:
    """`node_modules/a/node_modules/@s/b` -> `@s/b`; a folder -> its last segment."""
    at = location.rfind(_NM)
    return location[at + len(_NM) :] if at != -1 else location.rstrip("/").rpartition("/")[2]


def _workspace_globs(root: dict[str, Any]) -> list[str]:
    workspaces = root.get("workspaces")
    if isinstance(workspaces, dict):
        workspaces = workspaces.get("packages")
    if not isinstance(workspaces, list):
        return []
    return [str(g).removeprefix("./").rstrip("/") for g in workspaces if isinstance(g, str)]
