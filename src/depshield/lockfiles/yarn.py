"""yarn.lock: yarn classic (v1, its own syntax) and yarn berry (v2+, YAML)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote

from depshield.gcpause import paused_gc
from depshield.lockfiles.base import ROOT, Lockfile, LockfileError, Source
from depshield.lockfiles.npm_common import (
    ECOSYSTEM,
    REGENERATE,
    alias_target,
    guard,
    load_yaml,
    mapping,
    source_of,
    split_spec,
    text_or_none,
    yaml_key_lines,
)
from depshield.lockfiles.npm_graph import EdgeKind, GraphBuilder
from depshield.lockfiles.package_json import (
    Declared,
    manifest_from_text,
    workspace_folders,
    workspace_manifest,
)

NO_MANIFEST = (
    "no package.json beside the yarn.lock: direct dependencies are the entries nothing else "
    "requires, and dev dependencies cannot be told apart"
)
# yarn berry's own compatibility patches (fsevents, resolve, typescript) are not user patches.
_BUILTIN_PATCH = "optional!builtin<"


class YarnLockParser:
    name = "yarn.lock"
    ecosystem = ECOSYSTEM

    def wants(self, path: Path) -> bool:
        return path.name == "yarn.lock"

    def parse(self, path: Path, text: str) -> Lockfile:
        return self.parse_with_manifest(path, text, None)

    @paused_gc()
    def parse_with_manifest(self, path: Path, text: str, manifest: str | None) -> Lockfile:
        """Parse; dev and direct dependencies come from `manifest` or the package.json beside."""
        declared = manifest_from_text(path, manifest)
        if _is_berry(text):
            return guard(path, lambda: _berry(path, text, declared))
        return guard(path, lambda: _classic(path, text, declared))


def _is_berry(text: str) -> bool:
    """A line starting `__metadata:` (berry's first key). Two substring searches, not a
    MULTILINE regex, which tries `^` at every character (a tenth of a 30 MB yarn.lock's parse)."""
    return text.startswith("__metadata:") or "\n__metadata:" in text


def _classic(path: Path, text: str, declared: Declared | None) -> Lockfile:
    from depshield.lockfiles.yarn_classic import parse_classic

    builder = GraphBuilder(path, "yarn@1")
    patterns: dict[str, str] = {}  # "name@range" -> key
    blocks = parse_classic(path, text)
    for block in blocks:
        fields = block.fields
        alias, spec = split_spec(block.patterns[0])
        name, _ = alias_target(spec) or (alias, spec)
        resolved = text_or_none(fields.get("resolved"))
        # The pattern's range says git/tarball/file; a registry range may still be resolved
        # elsewhere (a `resolutions` override), which the URL then tells.
        source = source_of(spec)
        source = source_of(resolved) if source == "registry" else source
        integrity = fields.get("integrity")
        key = builder.add(
            name,
            str(fields.get("version") or ""),
            line=block.line,
            resolved=resolved,
            hashes=tuple(str(integrity).split()) if integrity else (),
            source=source,
        )
        patterns.update(dict.fromkeys(block.patterns, key))
    for block in blocks:
        parent = patterns[block.patterns[0]]
        _link(builder, parent, block.fields, patterns, prefix="")
    _roots(builder, patterns, declared)
    if declared is not None:
        _classic_workspaces(builder, path, declared, patterns)
    _unrequired(builder, patterns)
    del blocks, patterns  # the parsed blocks are gone before the build (issue 17)
    return builder.build(derive=True)


def _classic_workspaces(
    builder: GraphBuilder, path: Path, declared: Declared, patterns: dict[str, str]
) -> None:
    """yarn 1 records no workspaces: read their manifests, found by the root's globs."""
    workspaces = workspace_folders(path, declared.workspaces)
    keys = {
        ws.name: builder.add(
            ws.name, ws.version, resolved=f"workspace:{ws.folder}", source="workspace"
        )
        for ws in workspaces
    }
    for ws in workspaces:
        key = keys[ws.name]
        builder.project(key)
        builder.edge(ROOT, key)
        for names, kind in _sections(ws.declared):
            for name, spec in names.items():
                child = keys.get(name) or _find(patterns, name, spec, "")
                if child is not None:
                    builder.edge(key, child, kind)


def _link(
    builder: GraphBuilder,
    parent: str,
    fields: dict[str, Any],
    patterns: dict[str, str],
    *,
    prefix: str,
    kinds: dict[str, EdgeKind] | None = None,
) -> None:
    """Edges from `parent` to the entries its `dependencies` ranges resolved to."""
    meta = mapping(fields.get("dependenciesMeta"))
    kinds = kinds or {}
    for section, kind in _SECTIONS:
        for name, spec in mapping(fields.get(section)).items():
            child = _find(patterns, str(name), str(spec), prefix)
            if child is None:
                continue
            if meta and mapping(meta.get(name)).get("optional") is True:
                builder.edge(parent, child, "optional")
            else:
                builder.edge(parent, child, kinds.get(str(name), kind))


_SECTIONS: tuple[tuple[str, EdgeKind], ...] = (
    ("dependencies", "prod"),
    ("optionalDependencies", "optional"),
)


def _find(patterns: dict[str, str], name: str, spec: str, prefix: str) -> str | None:
    """The entry answering `name@spec`; berry writes ranges without their default `npm:`."""
    found = patterns.get(f"{name}@{spec}")
    if found is None and prefix and ":" not in spec:
        found = patterns.get(f"{name}@{prefix}{spec}")
    return found


def _kinds(declared: Declared) -> dict[str, EdgeKind]:
    """name -> the edge its manifest section makes; a name in two sections takes the strongest."""
    kinds: dict[str, EdgeKind] = dict.fromkeys(declared.dev, "dev")
    kinds.update(dict.fromkeys(declared.optional, "optional"))
    kinds.update(dict.fromkeys(declared.prod, "prod"))
    return kinds


def _roots(builder: GraphBuilder, patterns: dict[str, str], declared: Declared | None) -> None:
    """yarn classic: ROOT edges from the manifest's ranges (yarn keys entries by them)."""
    if declared is not None:
        for names, kind in _sections(declared):
            for name, spec in names.items():
                child = _find(patterns, name, spec, "")
                if child is not None:
                    builder.edge(ROOT, child, kind)  # the strongest section wins
    else:
        builder.notes.append(NO_MANIFEST)


def _sections(declared: Declared) -> tuple[tuple[dict[str, str], EdgeKind], ...]:
    return ((declared.prod, "prod"), (declared.optional, "optional"), (declared.dev, "dev"))


def _unrequired(builder: GraphBuilder, patterns: dict[str, str]) -> None:
    """Entries that nothing requires were asked for by a manifest: the root's or a workspace's."""
    required = {child for (_, child) in builder.edges}
    for key in dict.fromkeys(patterns.values()):
        if key not in required and key != ROOT:
            builder.edge(ROOT, key)


def _berry(path: Path, text: str, declared: Declared | None) -> Lockfile:
    data = load_yaml(path, text)
    meta = mapping(data.pop("__metadata", None))
    if not isinstance(meta.get("version"), int):
        raise LockfileError(
            str(path), 1, "yarn berry lockfile without __metadata.version", tip="run `yarn install`"
        )
    builder = GraphBuilder(path, "yarn@berry")
    lines = yaml_key_lines(text, indent=0)
    patterns: dict[str, str] = {}
    entries: list[tuple[str, dict[str, Any], Declared | None]] = []
    for raw, fields in data.items():
        if not isinstance(fields, dict):
            raise LockfileError(
                str(path), lines.get(str(raw)), f"entry {raw!r} is not a mapping", tip=REGENERATE
            )
        key, manifest = _berry_entry(builder, path, str(raw), fields, lines.get(str(raw), 0), meta)
        patterns.update(dict.fromkeys((p.strip() for p in str(raw).split(",")), key))
        entries.append((key, fields, declared if key == ROOT else manifest))
    for key, fields, manifest in entries:
        # A workspace's entry holds the exact descriptors (patches gain a `::locator`) and
        # mixes its sections: its manifest, when there is one, says which section each name is in.
        kinds = _kinds(manifest) if manifest is not None else {}
        _link(builder, key, fields, patterns, prefix="npm:", kinds=kinds)
    if declared is None:
        builder.notes.append(NO_MANIFEST)
    _unrequired(builder, patterns)
    return builder.build(derive=True)


def _berry_entry(
    builder: GraphBuilder,
    path: Path,
    raw: str,
    fields: dict[str, Any],
    line: int,
    meta: dict[str, Any],
) -> tuple[str, Declared | None]:
    """The entry's key, and its manifest when it is a workspace whose folder is beside us."""
    resolution = str(fields.get("resolution") or raw.split(",")[0])
    name, reference = split_spec(resolution)
    source = _berry_source(reference)
    if reference == "workspace:.":
        return ROOT, None  # the project itself
    version = str(fields.get("version") or "")
    workspace = None
    if source == "workspace":
        # Berry writes 0.0.0-use.local for every workspace; its manifest has the real version.
        workspace = workspace_manifest(path, reference[len("workspace:") :])
        version = workspace.version if workspace is not None and workspace.version else version
    if reference.startswith("patch:") and _BUILTIN_PATCH not in reference:
        builder.notes.append(f"patched: {name}@{fields.get('version')} ({resolution})")
    checksum = text_or_none(str(fields.get("checksum") or ""))
    if checksum and "/" not in checksum and meta.get("cacheKey") is not None:
        # Older lockfiles keep the cache key apart; the checksum is of yarn's cache zip, not of
        # the registry tarball, and only means something with that key.
        checksum = f"{meta['cacheKey']}/{checksum}"
    key = builder.add(
        name,
        version,
        line=line,
        resolved=resolution,
        hashes=(checksum,) if checksum else (),
        source=source,
    )
    if source == "workspace":
        builder.project(key)
        builder.edge(ROOT, key)
    return key, workspace.declared if workspace is not None else None


def _berry_source(reference: str) -> Source:
    """Berry locator references: `npm:1.2.3`, `workspace:pkgs/a`, `patch:a@npm%3A1.0.0#...`."""
    if reference.startswith("patch:"):
        inner = unquote(reference[len("patch:") :].split("#", 1)[0])
        return _berry_source(split_spec(inner)[1])
    if reference.startswith(("npm:", "virtual:")):
        return "registry"
    return source_of(reference)
