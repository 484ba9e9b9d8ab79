"""pnpm-lock.yaml, lockfileVersion 5.x (pnpm 5-7), 6.x (pnpm 8) and 9.x (pnpm 9 and later)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from depshield.gcpause import paused_gc
from depshield.lockfiles.base import ROOT, Lockfile, LockfileError, Source
from depshield.lockfiles.npm_common import (
    ECOSYSTEM,
    guard,
    load_yaml,
    mapping,
    source_of,
    split_spec,
    text_or_none,
    yaml_key_lines,
)
from depshield.lockfiles.npm_graph import EdgeKind, GraphBuilder
from depshield.lockfiles.package_json import workspace_manifest

_SUPPORTED = (5, 6, 9)
_IMPORTER_SECTIONS: tuple[tuple[str, EdgeKind], ...] = (
    ("dependencies", "prod"),
    ("optionalDependencies", "optional"),
    ("devDependencies", "dev"),
)
_PACKAGE_SECTIONS: tuple[tuple[str, EdgeKind], ...] = (
    ("dependencies", "prod"),
    ("optionalDependencies", "optional"),
)


class PnpmLockParser:
    name = "pnpm-lock"
    ecosystem = ECOSYSTEM

    def wants(self, path: Path) -> bool:
        return path.name == "pnpm-lock.yaml"

    @paused_gc()
    def parse(self, path: Path, text: str) -> Lockfile:
        return guard(path, lambda: _parse(path, text))


_HOST = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:[0-9]+)?|[A-Za-z0-9.-]+:[0-9]+")


@dataclass(frozen=True, slots=True)
class _Layout:
    """How one lockfile major version writes dependency paths."""

    major: int

    def dep_path(self, name: str, ref: str) -> str:
        """The `packages` key a dependency's reference points to (pnpm's refToRelative)."""
        head = ref.split("(", 1)[0]
        if self.major == 9:
            at = ref.find("@", 1)
            colon, paren = ref.find(":"), ref.find("(")
            if ref.startswith("@") or (
                at > 0 and (colon == -1 or at < colon) and (paren == -1 or at < paren)
            ):
                return ref  # an alias: `real@1.0.0`
            return f"{name}@{ref}"
        if ref.startswith("/") or "/" in head or ":" in head:
            return ref  # an alias (`/real@1.0.0`) or a non-registry path (`github.com/u/r/sha`)
        return f"/{name}/{ref}" if self.major == 5 else f"/{name}@{ref}"

    def name_version(self, dep_path: str) -> tuple[str, str]:
        """`/@s/a/1.0.0_peer` (v5), `/@s/a@1.0.0(peer)` (v6), `@s/a@1.0.0(peer)` (v9)."""
        path = dep_path.removeprefix("/")
        if self.major != 9 and not dep_path.startswith("/"):
            path = _without_host(path)
        if self.major == 5:
            parts = path.split("/")
            cut = 2 if path.startswith("@") else 1
            return "/".join(parts[:cut]), "/".join(parts[cut:]).split("_", 1)[0]
        name, rest = split_spec(path)
        return name, rest.split("(", 1)[0]

    def package_key(self, dep_path: str) -> str:
        """The `packages` entry of a v9 snapshot key: the key without its peer suffix."""
        name, rest = split_spec(dep_path)
        return f"{name}@{rest.split('(', 1)[0]}" if rest else dep_path


def _parse(path: Path, text: str) -> Lockfile:
    builder, derive = _read(path, text)  # the parsed document is gone before the build
    return builder.build(derive=derive)


def _read(path: Path, text: str) -> tuple[GraphBuilder, bool]:
    data = load_yaml(path, text)
    major = _major(path, text, data.get("lockfileVersion"))
    layout = _Layout(major)
    builder = GraphBuilder(path, f"pnpm@{major}")
    lines = yaml_key_lines(text, indent=2, section="packages")
    packages = mapping(data.get("packages"))
    snapshots = mapping(data.get("snapshots")) if major == 9 else packages
    keys: dict[str, str] = {}  # dep path (snapshot key) -> package key
    for dep_path, snapshot in snapshots.items():
        base = layout.package_key(dep_path) if major == 9 else dep_path
        entry = mapping(packages.get(base)) if major == 9 else mapping(snapshot)
        keys[dep_path] = _add(builder, layout, base, entry, mapping(snapshot), lines.get(base, 0))
    for dep_path, snapshot in snapshots.items():
        for section, kind in _PACKAGE_SECTIONS:
            for name, ref in mapping(mapping(snapshot).get(section)).items():
                child = keys.get(layout.dep_path(str(name), str(ref)))
                if child is not None:
                    builder.edge(keys[dep_path], child, kind)
    _importers(builder, layout, data, keys)
    return builder, major == 9


def _major(path: Path, text: str, version: object) -> int:
    try:
        major = int(str(version).split(".", 1)[0])
    except ValueError:
        major = -1
    if major not in _SUPPORTED:
        line = next((n for n, t in enumerate(text.splitlines(), 1) if "lockfileVersion" in t), 0)
        raise LockfileError(
            str(path),
            line or None,
            f"unsupported lockfileVersion {version!r}",
            tip="depshield reads pnpm lockfiles 5.x, 6.x and 9.x; regenerate it with pnpm 9",
        )
    return major


def _add(
    builder: GraphBuilder,
    layout: _Layout,
    dep_path: str,
    entry: dict[str, Any],
    snapshot: dict[str, Any],
    line: int,
) -> str:
    name, version = layout.name_version(dep_path)
    version = str(entry.get("version") or version)
    if not name or not version:
        raise LockfileError(
            str(builder.path),
            line or None,
            f"malformed package key {dep_path[:80]!r}: no name or no version",
            tip="regenerate the lockfile with pnpm",
        )
    resolution = mapping(entry.get("resolution"))
    resolved, source = _resolution(resolution)
    integrity = text_or_none(resolution.get("integrity"))
    recorded = layout.major != 9  # v5/v6 record dev and optional; v9 leaves them to the graph
    dev = entry.get("dev") is True if recorded else None
    optional = snapshot.get("optional") is True
    return builder.add(
        text_or_none(entry.get("name")) or name,
        version,
        line=line,
        resolved=resolved,
        hashes=(integrity,) if integrity else (),
        source=source,
        dev=dev,
        optional=optional if recorded or optional else None,
        peer=False if recorded else None,
    )


def _resolution(resolution: dict[str, Any]) -> tuple[str | None, Source]:
    """(resolved, source) from `resolution: {integrity | tarball | type: git | directory}`."""
    if resolution.get("type") == "git":
        return f"{resolution.get('repo')}#{resolution.get('commit')}", "git"
    if resolution.get("type") == "directory" or "directory" in resolution:
        return text_or_none(resolution.get("directory")), "file"
    tarball = text_or_none(resolution.get("tarball"))
    if tarball is not None:
        return tarball, source_of(tarball)
    return None, "registry"


def _importers(
    builder: GraphBuilder, layout: _Layout, data: dict[str, Any], keys: dict[str, str]
) -> None:
    """Edges from the project (ROOT) and its workspace packages to what they depend on."""
    importers = mapping(data.get("importers")) or {".": data}
    projects = _projects(builder, layout, importers)
    for ident, importer in importers.items():
        for section, kind in _IMPORTER_SECTIONS:
            for name, ref in _section_refs(mapping(importer).get(section), layout):
                target = _link_target(ident, ref)
                if target == ".":
                    continue  # a workspace depending on the project root
                if target is not None:
                    child = projects.get(target) or builder.add(
                        name, "", resolved=ref, source="link"
                    )
                else:
                    child = keys.get(layout.dep_path(name, ref), "")
                if child:
                    builder.edge(projects[ident], child, kind)


def _projects(builder: GraphBuilder, layout: _Layout, importers: dict[str, Any]) -> dict[str, str]:
    """importer id -> ROOT for `.`, else a workspace package named by its manifest beside the
    lockfile, else by the name another importer links it by, else by its path."""
    linked: dict[str, str] = {}
    for ident, importer in importers.items():
        for name, ref in _importer_refs(mapping(importer), layout):
            target = _link_target(ident, ref)
            if target is not None:
                linked.setdefault(target, name)
    projects: dict[str, str] = {}
    for ident in importers:
        if ident == ".":
            projects[ident] = ROOT
            continue
        manifest = workspace_manifest(builder.path, ident)
        name, version = (
            (manifest.name, manifest.version) if manifest else (linked.get(ident, ident), "")
        )
        key = builder.add(name, version, resolved=f"link:{ident}", source="workspace")
        builder.project(key)
        builder.edge(ROOT, key)
        projects[ident] = key
    return projects


def _importer_refs(importer: dict[str, Any], layout: _Layout) -> list[tuple[str, str]]:
    return [
        ref
        for section, _ in _IMPORTER_SECTIONS
        for ref in _section_refs(importer.get(section), layout)
    ]


def _section_refs(section: object, layout: _Layout) -> list[tuple[str, str]]:
    """(name, reference) pairs; v6 and v9 write `{specifier, version}`, v5 the bare reference."""
    pairs = []
    for name, value in mapping(section).items():
        ref = mapping(value).get("version") if isinstance(value, dict) else value
        if ref is not None:
            pairs.append((str(name), str(ref)))
    return pairs


def _link_target(importer: str, ref: str) -> str | None:
    """The importer id a `link:` reference points to, relative to the lockfile's folder."""
    if not ref.startswith("link:"):
        return None
    return posixpath.normpath(posixpath.join(importer, ref[len("link:") :]))


def _without_host(path: str) -> str:
    """`registry.example.invalid/foo/1.1.0` (v5) or `host/foo@1.1.0` (v6): pnpm writes the
    registry's host first for packages from a registry other than the default one."""
    host, _, rest = path.partition("/")
    return rest if rest and _HOST.fullmatch(host) else path
