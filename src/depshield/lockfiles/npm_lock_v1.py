"""package-lock.json lockfileVersion 1 (npm 5 and 6): a tree of nested `dependencies`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from depshield.lockfiles.base import ROOT, Lockfile, LockfileError
from depshield.lockfiles.npm_common import (
    REGENERATE,
    KeyLines,
    alias_target,
    mapping,
    source_of,
    text_or_none,
)
from depshield.lockfiles.npm_graph import EdgeKind, GraphBuilder
from depshield.lockfiles.package_json import manifest_from_text

GUESSED_DIRECT = (
    "direct dependencies guessed: no package.json beside the v1 lockfile, so the top-level "
    "packages that nothing else requires are taken as direct"
)


def parse_v1(path: Path, text: str, deps: dict[str, Any], manifest: str | None) -> Lockfile:
    builder = GraphBuilder(path, "package-lock@1")
    lines = KeyLines(text, max(text.find('"dependencies"'), 0))
    _walk(builder, lines, deps, [deps])
    declared = manifest_from_text(path, manifest)
    if declared is not None:
        kinds: tuple[tuple[dict[str, str], EdgeKind], ...] = (
            (declared.prod, "prod"),
            (declared.optional, "optional"),
            (declared.dev, "dev"),
        )
        for names, kind in kinds:
            for name in names:
                entry = deps.get(name)
                if isinstance(entry, dict):
                    builder.edge(ROOT, _key(name, entry), kind)
    else:
        required = {child for (_, child) in builder.edges}
        for name, entry in deps.items():
            if isinstance(entry, dict) and _key(name, entry) not in required:
                builder.edge(ROOT, _key(name, entry))
        builder.notes.append(GUESSED_DIRECT)
    return builder.build(derive=False)


def _walk(
    builder: GraphBuilder,
    lines: KeyLines,
    deps: dict[str, Any],
    scopes: list[dict[str, Any]],
) -> None:
    """Depth first in document order, so that each key is found after the previous one."""
    for name, entry in deps.items():
        line = lines.find(name, opens="{")
        if not isinstance(entry, dict):
            raise LockfileError(
                str(builder.path), line or None, f"entry {name!r} is not an object", tip=REGENERATE
            )
        key = _add(builder, name, entry, line)
        nested = mapping(entry.get("dependencies"))
        inner = [*scopes, nested]
        _walk(builder, lines, nested, inner)
        for required in mapping(entry.get("requires")):
            target = _lookup(inner, required)
            if target is not None:
                builder.edge(key, _key(required, target))


def _add(builder: GraphBuilder, name: str, entry: dict[str, Any], line: int) -> str:
    version = str(entry.get("version") or "")
    real, version = _real(name, version)
    resolved = text_or_none(entry.get("resolved"))
    spec_like = ":" in version or "/" in version  # git URL, tarball URL or file: path
    integrity = entry.get("integrity")
    return builder.add(
        real,
        version,
        line=line,
        resolved=resolved or (version if spec_like else None),
        hashes=tuple(integrity.split()) if isinstance(integrity, str) else (),
        source=source_of(version if spec_like else resolved),
        dev=bool(entry.get("dev")),
        optional=bool(entry.get("optional")),
        peer=False,
    )


def _real(name: str, version: str) -> tuple[str, str]:
    """v1 writes an alias as `"alias": {"version": "npm:real@1.2.3"}`."""
    return alias_target(version) or (name, version)


def _key(name: str, entry: dict[str, Any]) -> str:
    real, version = _real(name, str(entry.get("version") or ""))
    return f"{real}@{version}"


def _lookup(scopes: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """Node's lookup in the nested tree: the innermost `dependencies` that has `name`."""
    for scope in reversed(scopes):
        entry = scope.get(name)
        if isinstance(entry, dict):
            return entry
    return None
