"""bun.lock (bun's JSONC text lockfile); the binary bun.lockb is refused with a way out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from depshield.gcpause import paused_gc
from depshield.lockfiles.base import ROOT, Lockfile, LockfileError
from depshield.lockfiles.npm_common import (
    ECOSYSTEM,
    REGENERATE,
    KeyLines,
    guard,
    load_json,
    mapping,
    source_of,
    split_spec,
)
from depshield.lockfiles.npm_graph import EdgeKind, GraphBuilder

_SUPPORTED = (0, 1, 2)
_SECTIONS: tuple[tuple[str, EdgeKind], ...] = (
    ("dependencies", "prod"),
    ("optionalDependencies", "optional"),
    ("peerDependencies", "peer"),
)
_HASH = re.compile(r"^sha(?:1|256|384|512)-")


class BunLockParser:
    name = "bun.lock"
    ecosystem = ECOSYSTEM

    def wants(self, path: Path) -> bool:
        return path.name in ("bun.lock", "bun.lockb")

    @paused_gc()
    def parse(self, path: Path, text: str) -> Lockfile:
        if path.name == "bun.lockb":
            raise LockfileError(
                str(path),
                None,
                "bun.lockb is bun's binary lockfile, which depshield does not read",
                tip="run `bun install --save-text-lockfile` to write bun.lock beside it",
            )
        return guard(path, lambda: _parse(path, text))


def _parse(path: Path, text: str) -> Lockfile:
    data = load_json(path, text, jsonc=True)
    version = data.get("lockfileVersion")
    if version not in _SUPPORTED:
        raise LockfileError(
            str(path),
            next((n for n, t in enumerate(text.splitlines(), 1) if "lockfileVersion" in t), 1),
            f"unsupported lockfileVersion {version!r}",
            tip="depshield reads bun.lock versions 0 to 2; update depshield or regenerate it",
        )
    builder = GraphBuilder(path, f"bun@{version}")
    packages = mapping(data.get("packages"))
    lines = KeyLines(text, max(text.find('"packages"'), 0))
    keys: dict[str, str] = {}  # install path ("a/b": b inside a's node_modules) -> package key
    workspaces: dict[str, str] = {}  # workspace folder -> its install path
    manifests = mapping(data.get("workspaces"))
    for install, entry in packages.items():
        line = lines.find(install, opens="[")
        if not isinstance(entry, list) or not entry or not isinstance(entry[0], str):
            raise LockfileError(
                str(path), line or None, f"entry {install!r} is not an array", tip=REGENERATE
            )
        keys[install] = _add(builder, entry, line, manifests)
        spec = split_spec(entry[0])[1]
        if spec.startswith("workspace:"):
            workspaces[spec[len("workspace:") :]] = install
            builder.project(keys[install])
            builder.edge(ROOT, keys[install])
    for install, entry in packages.items():
        info = next((part for part in entry if isinstance(part, dict)), {})
        _edges(builder, keys[install], _segments(install), info, keys)
    sections = [*_SECTIONS, ("devDependencies", "dev")]  # a project's own dev dependencies
    for folder, manifest in manifests.items():
        where = workspaces.get(folder, "")
        project = ROOT if folder == "" else keys.get(where)
        if project is not None:
            _edges(builder, project, _segments(where) if where else [], manifest, keys, sections)
    return builder.build(derive=True)


def _add(builder: GraphBuilder, entry: list[Any], line: int, manifests: dict[str, Any]) -> str:
    """`["name@1.0.0", "<registry or empty>", {info}, "sha512-..."]` and the shorter forms."""
    name, spec = split_spec(entry[0])
    if spec.startswith("workspace:"):
        manifest = mapping(manifests.get(spec[len("workspace:") :]))
        version = str(manifest.get("version") or "")
        return builder.add(name, version, line=line, resolved=spec, source="workspace")
    strings = [part for part in entry[1:] if isinstance(part, str)]
    hashes = tuple(s for s in strings if _HASH.match(s))
    registry = strings[0] if strings and not _HASH.match(strings[0]) else ""
    source = source_of(spec) if ":" in spec or "/" in spec else "registry"
    return builder.add(
        name,
        spec,
        line=line,
        resolved=spec if source != "registry" else (registry or None),
        hashes=hashes,
        source=source,
    )


def _edges(
    builder: GraphBuilder,
    parent: str,
    base: list[str],
    info: object,
    keys: dict[str, str],
    sections: list[tuple[str, EdgeKind]] | tuple[tuple[str, EdgeKind], ...] = _SECTIONS,
) -> None:
    for section, kind in sections:
        for name in mapping(mapping(info).get(section)):
            child = _resolve(base, str(name), keys)
            if child is not None:
                builder.edge(parent, child, kind)


def _resolve(base: list[str], name: str, keys: dict[str, str]) -> str | None:
    """Node's lookup over install paths: `a/b/<name>`, then `a/<name>`, then `<name>`."""
    for depth in range(len(base), -1, -1):
        found = keys.get("/".join([*base[:depth], name]))
        if found is not None:
            return found
    return None


def _segments(install: str) -> list[str]:
    """`@s/a/b` -> [`@s/a`, `b`]: package names, a scope kept with its name."""
    parts = install.split("/")
    names: list[str] = []
    at = 0
    while at < len(parts):
        take = 2 if parts[at].startswith("@") else 1
        names.append("/".join(parts[at : at + take]))
        at += take
    return names
