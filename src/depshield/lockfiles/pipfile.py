"""Pipfile.lock: the "default" and "develop" packages, their hashes, markers and sources."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from depshield import project_files
from depshield.gcpause import paused_gc
from depshield.lockfiles.base import ROOT, LockedPackage, Lockfile, LockfileError, Source
from depshield.lockfiles.pycommon import ECOSYSTEM, load_json, load_toml, normalize, optional_str

# A JSON key whose value is an object: in a Pipfile.lock section, exactly the package names.
_OBJECT_KEY = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*\{')
_SECTIONS = {"default": False, "develop": True}  # section -> dev


class PipfileLockParser:
    name = "pipfile"
    ecosystem = ECOSYSTEM

    def wants(self, path: Path) -> bool:
        return path.name == "Pipfile.lock"

    @paused_gc()
    def parse(self, path: Path, text: str) -> Lockfile:
        data = load_json(path, text)
        if not isinstance(data, dict):
            raise LockfileError(str(path), 1, "not a json object")
        declared, note = _declared(path)
        found: dict[str, LockedPackage] = {}
        for section, dev in _SECTIONS.items():
            entries = data.get(section) or {}
            if not isinstance(entries, dict):
                raise LockfileError(str(path), None, f"{section!r} is not an object")
            lines = _key_lines(text, section)
            for key, entry in entries.items():
                package = _package(key, entry, lines.get(key, 0), dev, declared, path)
                first = found.setdefault(package.key, package)
                if first is not package:  # in both sections: needed outside development too
                    found[package.key] = replace(first, dev=first.dev and package.dev)
        packages = tuple(found.values())
        # The lock is flat: it records no dependencies between packages.
        edges = tuple((ROOT, p.key) for p in packages)
        spec = _table(data.get("_meta")).get("pipfile-spec", "?")
        notes = (note,) if note else ()
        return Lockfile(str(path), ECOSYSTEM, f"pipfile@{spec}", packages, edges, notes)


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _package(
    key: str, entry: Any, line: int, dev: bool, declared: set[str] | None, path: Path
) -> LockedPackage:
    if not isinstance(entry, dict):
        raise LockfileError(str(path), line or None, f"entry {key!r} is not an object")
    name = normalize(key)
    version = optional_str(entry, "version") or ""
    version = version.removeprefix("===").removeprefix("==")
    source, resolved = _source(entry)
    hashes = entry.get("hashes")
    return LockedPackage(
        ECOSYSTEM,
        name,
        version,
        line=line,
        resolved=resolved,
        hashes=tuple(h for h in hashes if isinstance(h, str)) if isinstance(hashes, list) else (),
        source=source,
        direct=declared is not None and name in declared,
        dev=dev,
        marker=optional_str(entry, "markers"),
    )


def _source(entry: dict[str, Any]) -> tuple[Source, str | None]:
    git = optional_str(entry, "git")
    if git:
        ref = optional_str(entry, "ref")
        return "git", f"git+{git}@{ref}" if ref else f"git+{git}"
    location = optional_str(entry, "file") or optional_str(entry, "path")
    if location is None:
        return "registry", None
    return ("http" if location.startswith(("http://", "https://")) else "file"), location


def _key_lines(text: str, section: str) -> dict[str, int]:
    """Line of each package key in `section`; json keeps no positions."""
    start = re.search(rf'"{section}"\s*:\s*\{{', text)
    if start is None:
        return {}
    lines: dict[str, int] = {}
    pos, line = start.end(), text.count("\n", 0, start.end()) + 1
    for match in _OBJECT_KEY.finditer(text, start.end()):
        if match.group(1) in _SECTIONS or match.group(1) == "_meta":
            break  # the next section
        line += text.count("\n", pos, match.start())
        pos = match.start()
        lines.setdefault(match.group(1), line)
    return lines


def _declared(lockfile: Path) -> tuple[set[str] | None, str | None]:
    """Names the Pipfile beside the lock asks for: the lock does not say which are direct."""
    manifest = lockfile.parent / "Pipfile"
    try:
        data = load_toml(manifest, project_files.read_text(manifest))
    except (OSError, UnicodeDecodeError, LockfileError):
        return None, f"direct dependencies unknown: no readable {str(manifest)!r} beside it"
    sections = (_table(data.get("packages")), _table(data.get("dev-packages")))
    return {normalize(name) for table in sections for name in table}, None
