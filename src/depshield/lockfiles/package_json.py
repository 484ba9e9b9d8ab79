"""package.json alone as a Lockfile of declared ranges, and the declared ranges of a manifest."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from depshield import project_files
from depshield.lockfiles.base import ROOT, LockedPackage, Lockfile, LockfileError, Source
from depshield.lockfiles.npm_common import ECOSYSTEM, alias_target, guard, load_json, source_of

UNRESOLVED = "unresolved: ranges are resolved against the registry at scan time"
SECTIONS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")


@dataclass(frozen=True, slots=True)
class Declared:
    """The dependency sections of one package.json: name -> spec as written."""

    prod: dict[str, str] = field(default_factory=dict)
    dev: dict[str, str] = field(default_factory=dict)
    optional: dict[str, str] = field(default_factory=dict)
    peer: dict[str, str] = field(default_factory=dict)
    workspaces: tuple[str, ...] = ()

    def ranges(self) -> dict[str, str]:
        """Every declared name -> spec; as in npm, optionalDependencies override dependencies."""
        return {**self.peer, **self.dev, **self.prod, **self.optional}


def declared(data: dict[str, Any]) -> Declared:
    """The dependency sections of a parsed package.json object (non-string specs dropped)."""

    def section(name: str) -> dict[str, str]:
        value = data.get(name)
        if not isinstance(value, dict):
            return {}
        return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}

    workspaces = data.get("workspaces")
    if isinstance(workspaces, dict):  # yarn classic's {"packages": [...], "nohoist": [...]}
        workspaces = workspaces.get("packages")
    globs = (
        tuple(w for w in workspaces if isinstance(w, str)) if isinstance(workspaces, list) else ()
    )
    return Declared(
        section("dependencies"),
        section("devDependencies"),
        section("optionalDependencies"),
        section("peerDependencies"),
        globs,
    )


def declared_ranges(text: str) -> dict[str, str]:
    """name -> declared spec of a package.json's text, to check a lockfile against it."""
    return declared(load_json(Path("package.json"), text)).ranges()


def sibling_manifest(lockfile: Path) -> Declared | None:
    """The package.json beside a lockfile, or None when it is absent or unusable."""
    try:
        text = project_files.read_text(lockfile.parent / "package.json")
        return declared(json.loads(text))
    except (OSError, UnicodeDecodeError, ValueError, AttributeError, LockfileError):
        return None


@dataclass(frozen=True, slots=True)
class Workspace:
    """A workspace package's own manifest, read from its folder beside the lockfile."""

    folder: str  # POSIX, relative to the lockfile's folder
    name: str
    version: str
    declared: Declared


def workspace_manifest(lockfile: Path, folder: str) -> Workspace | None:
    """The package.json of workspace `folder`, or None (absent, unusable, outside the project)."""
    parts = PurePosixPath(folder).parts
    if not parts or folder.startswith("/") or ".." in parts or parts == (".",):
        return None
    try:
        data = json.loads(project_files.read_text(lockfile.parent / folder / "package.json"))
    except (OSError, UnicodeDecodeError, ValueError, LockfileError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        return None
    version = data.get("version")
    return Workspace(
        folder, data["name"], version if isinstance(version, str) else "", declared(data)
    )


def workspace_folders(lockfile: Path, globs: tuple[str, ...]) -> list[Workspace]:
    """The workspaces that the root manifest's `workspaces` globs match beside the lockfile."""
    found: dict[str, Workspace] = {}
    for pattern in globs:
        if pattern.startswith("/") or ".." in PurePosixPath(pattern).parts:
            continue  # a workspace is inside the project
        for manifest in sorted(lockfile.parent.glob(f"{pattern.strip('/')}/package.json")):
            folder = manifest.parent.relative_to(lockfile.parent).as_posix()
            workspace = workspace_manifest(lockfile, folder)
            if workspace is not None:
                found.setdefault(folder, workspace)
    return list(found.values())


def manifest_from_text(path: Path, text: str | None) -> Declared | None:
    """A manifest given as text (parse_with_manifest), or the one beside `path`."""
    if text is None:
        return sibling_manifest(path)
    try:
        return declared(load_json(path.parent / "package.json", text))
    except LockfileError:
        return None


class PackageJsonParser:
    """package.json without a lockfile: the direct dependencies and their declared ranges."""

    name = "package.json"
    ecosystem = ECOSYSTEM

    def wants(self, path: Path) -> bool:
        return path.name == "package.json"

    def parse(self, path: Path, text: str) -> Lockfile:
        return guard(path, lambda: _parse(path, text))


def _parse(path: Path, text: str) -> Lockfile:
    from depshield.ecosystems.npm.package_json import key_lines

    data = load_json(path, text.removeprefix("\ufeff"))
    lines = key_lines(text.removeprefix("\ufeff"), max_depth=2)
    manifest = declared(data)
    packages: dict[str, LockedPackage] = {}
    for section, deps, flag in (
        ("dependencies", manifest.prod, ""),
        ("optionalDependencies", manifest.optional, "optional"),
        ("peerDependencies", manifest.peer, "peer"),
        ("devDependencies", manifest.dev, "dev"),
    ):
        for alias, spec in deps.items():
            name, rng = alias_target(spec) or (alias, spec)
            source = _spec_source(spec)
            package = LockedPackage(
                ECOSYSTEM,
                name,
                rng,
                line=lines.get((section, alias), 0),
                resolved=None if source == "registry" else spec,
                source=source,
                direct=True,
                dev=flag == "dev",
                optional=flag == "optional",
                peer=flag == "peer",
            )
            packages.setdefault(package.key, package)  # the first section wins, as in npm
    edges = tuple((ROOT, key) for key in packages)
    return Lockfile(
        str(path), ECOSYSTEM, "package.json", tuple(packages.values()), edges, (UNRESOLVED,)
    )


def _spec_source(spec: str) -> Source:
    """A declared spec is a registry range unless it names a git repo, URL, path or workspace."""
    from depshield.ecosystems.npm.dependencies import is_github_shorthand

    text = spec.strip()
    if text.startswith("npm:"):
        return "registry"
    if ":" in text or text.startswith((".", "/", "~/")):
        return source_of(text)
    return "git" if is_github_shorthand(text) else "registry"
