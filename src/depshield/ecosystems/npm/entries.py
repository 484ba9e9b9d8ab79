"""The files an npm package runs when loaded (main, module, exports) and its bin entries."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from depshield.ecosystems.npm.package_json import PACKAGE_JSON, PackageJson
from depshield.ecosystems.system_commands import may_provide, shadowed_command
from depshield.model import Finding

# Node's LOAD_AS_FILE then LOAD_INDEX suffixes (CommonJS resolution of `main`).
_NODE_SUFFIXES = ("", ".js", ".json", ".node", "/index.js", "/index.json", "/index.node")
_CODE = (".js", ".cjs", ".mjs", ".node")


def package_path(spec: str) -> str | None:
    """`./lib/x.js` -> `lib/x.js`; None for absolute paths or paths leaving the package."""
    clean = spec.strip().replace("\\", "/")
    if not clean or clean.startswith("/") or re.match(r"^[a-zA-Z]:", clean):
        return None
    clean = posixpath.normpath(clean)
    if clean == ".." or clean.startswith("../"):
        return None
    return clean


def node_resolve(spec: str, paths: Collection[str]) -> str | None:
    """The file node loads for a package-relative `spec` (tries `.js`, `/index.js`...)."""
    base = package_path(spec)
    if base is None:
        return None
    suffixes = _NODE_SUFFIXES if base != "." else _NODE_SUFFIXES[4:]
    for suffix in suffixes:
        candidate = (base + suffix).removeprefix("./")
        if candidate in paths:
            return candidate
    return None


def main_entry(pkg: PackageJson, paths: Collection[str]) -> str | None:
    """What `require(pkg)` loads without exports: `main`, else index.js."""
    main = pkg.data.get("main")
    resolved = node_resolve(main, paths) if isinstance(main, str) and main.strip() else None
    return resolved or node_resolve("index", paths)


def import_entries(pkg: PackageJson, paths: Collection[str]) -> tuple[str, ...]:
    """Files whose top-level code runs when the package is imported, in a stable order."""
    found: list[str] = []
    main = main_entry(pkg, paths)
    if main:
        found.append(main)
    for key in ("module", "browser"):
        value = pkg.data.get(key)
        if isinstance(value, str):
            resolved = node_resolve(value, paths)
            if resolved:
                found.append(resolved)
    for target in _string_leaves(pkg.data.get("exports")):
        found.extend(_export_files(target, paths))
    return tuple(dict.fromkeys(found))


def _string_leaves(value: Any, depth: int = 0) -> Iterator[str]:
    """Every string target of an `exports` value: nested conditions, subpaths and arrays."""
    if depth > 16:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _string_leaves(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _string_leaves(item, depth + 1)


def _export_files(target: str, paths: Collection[str]) -> list[str]:
    """Code files an `exports` target names: exact files, or for a `*` pattern every file it
    matches (`*` matches any string, slashes included). Types and JSON are not code."""
    if "*" not in target:
        path = package_path(target)
        return [path] if path is not None and path in paths and path.endswith(_CODE) else []
    clean = target.replace("\\", "/")
    # Node only accepts pattern targets inside the package ("./..."), never climbing out.
    if not clean.startswith("./") or ".." in clean.split("/"):
        return []
    prefix, _, suffix = clean[2:].partition("*")
    pattern = re.compile(re.escape(prefix) + ".+" + re.escape(suffix.replace("*", "")))
    return sorted(p for p in paths if p.endswith(_CODE) and pattern.fullmatch(p))


@dataclass(frozen=True, slots=True)
class Bin:
    """One executable npm links: its name as declared and as npm normalises it, its target."""

    declared: str
    name: str
    target: str  # as declared
    path: str | None  # inside the package, or None when the target leaves it
    line: int


def bins(pkg: PackageJson, paths: Collection[str]) -> list[Bin]:
    """The `bin` field (string or object form), else the files of `directories.bin`."""
    value = pkg.data.get("bin")
    name = pkg.data.get("name")
    if isinstance(value, str) and isinstance(name, str):
        return [_bin(name.rsplit("/", 1)[-1], value, pkg.line("bin"))]
    if isinstance(value, dict):
        return [
            _bin(k, v, pkg.line("bin", k)) for k, v in value.items() if isinstance(v, str) and k
        ]
    directories = pkg.data.get("directories")
    folder = directories.get("bin") if isinstance(directories, dict) else None
    base = package_path(folder) if isinstance(folder, str) else None
    if value is not None or not base:
        return []
    line = pkg.line("directories", "bin")
    inside = sorted(p for p in paths if p.startswith(f"{base}/"))
    return [_bin(posixpath.basename(p), p, line) for p in inside]


def _bin(declared: str, target: str, line: int) -> Bin:
    # @npmcli/package-json keeps only the base name of a bin and roots its target in the package.
    name = posixpath.basename(declared.replace("\\", "/").replace(":", "/"))
    return Bin(declared, name, target, package_path(target), line)


def bin_findings(pkg: PackageJson, found: list[Bin]) -> Iterator[Finding]:
    """shellScriptOverride for bins named like system commands; binScriptConfusion for bins
    whose name or target is a path out of the package."""
    package = pkg.data.get("name")
    owner = package if isinstance(package, str) else None
    for item in found:
        props = {"bin": item.declared, "target": item.target}
        evidence = f'"{item.declared}": "{item.target}"'
        command = shadowed_command(item.name)
        if command and not may_provide("npm", owner, command):
            yield Finding("shellScriptOverride", PACKAGE_JSON, item.line, evidence, props)
        # npm before 6.13.4 linked such names and targets as given (CVE-2019-16775/16776/16777):
        # a bin could overwrite or expose any file; current npm strips them, so they are a sign
        # of intent rather than a working attack.
        reason = _confusion_reason(item)
        if reason:
            confusion = {**props, "reason": reason}
            yield Finding("binScriptConfusion", PACKAGE_JSON, item.line, evidence, confusion)


def _confusion_reason(item: Bin) -> str:
    reasons = []
    if item.name != item.declared or item.name in ("", ".", ".."):
        reasons.append("bin name is a path")
    if item.path is None:
        reasons.append("bin target is outside the package")
    return "; ".join(reasons)
