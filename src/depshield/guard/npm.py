"""npm and npx: resolve with `npm install --package-lock-only --ignore-scripts` in a copy of
the project (no package code runs, nothing reaches node_modules), then diff with the installed."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from depshield.errors import DepshieldError
from depshield.guard.base import Plan, ResolutionFailed, Wrapped
from depshield.guard.lockdiff import diff, installed_state, read_lock
from depshield.guard.npm_args import NpmCommand, npm_prefix, parse_npm, parse_npx
from depshield.guard.npm_platform import without_foreign_optionals
from depshield.guard.process import capture, find_tool
from depshield.lockfiles.base import Lockfile
from depshield.lockfiles.npm_lock import NpmLockParser
from depshield.project_files import read_bytes, read_text

LOCKS = ("npm-shrinkwrap.json", "package-lock.json")
_SECTIONS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")
_QUIET = {"npm_config_audit": "false", "npm_config_fund": "false"}
_QUIET["npm_config_update_notifier"] = "false"


class NpmResolver:
    """`npm install|ci|update` and `npm exec`; other npm commands install nothing."""

    def plan(self, wrapped: Wrapped) -> Plan | None:
        command = parse_npm(wrapped.args)
        if command.kind == "other":
            return None
        if command.kind == "exec":
            return _exec_plan(wrapped, command)
        base = Path(command.prefix) if command.prefix else npm_prefix(wrapped.cwd)
        project = base if base.is_absolute() else wrapped.cwd / base
        if command.global_:
            return _fresh_plan(wrapped, command.resolution_options(), list(command.specs))
        lock_path = next((project / n for n in LOCKS if (project / n).is_file()), None)
        new = _from_lockfile(command, project, lock_path)
        method = f"{lock_path.name if lock_path else 'lockfile'} (in sync with package.json)"
        if new is None:
            new = _run_npm(wrapped, command, project)
            method = "npm --package-lock-only --ignore-scripts"
        installed = installed_state(
            project,
            project / "node_modules" / ".package-lock.json",
            lock_path or project / "package-lock.json",
            _parse,
        )
        changes = diff(new, installed)
        return Plan(changes.added, method, changes.unchanged, changes.previous)


class NpxResolver:
    """`npx PKG`: the package (and its dependencies) npx would fetch into its cache and run."""

    def plan(self, wrapped: Wrapped) -> Plan | None:
        return _exec_plan(wrapped, parse_npx(wrapped.args))


def _exec_plan(wrapped: Wrapped, command: NpmCommand) -> Plan | None:
    specs = list(command.packages)
    if not specs and command.specs:
        name = command.specs[0]
        bin_dir = npm_prefix(wrapped.cwd) / "node_modules" / ".bin"
        if (bin_dir / name).exists():
            return None  # npx runs the project's own copy; nothing is fetched
        specs = [name]
    if not specs:
        return None
    return _fresh_plan(wrapped, [], specs)


def _fresh_plan(wrapped: Wrapped, options: list[str], specs: list[str]) -> Plan:
    """Global installs and npx: resolved in an empty project; everything counts as new."""
    with tempfile.TemporaryDirectory(prefix="depshield-guard-") as tmp:
        folder = Path(tmp)
        (folder / "package.json").write_text('{"name":"depshield-guard","version":"0.0.0"}\n')
        _copy_npmrc(npm_prefix(wrapped.cwd), folder)
        argv = ["install", *options, *local_specs(specs, wrapped.cwd)]
        new = _lock_only(folder, argv, wrapped.display())
    changes = diff(new, None)
    return Plan(changes.added, "npm --package-lock-only --ignore-scripts (empty project)")


def _from_lockfile(command: NpmCommand, project: Path, lock: Path | None) -> Lockfile | None:
    """The project's own lockfile when the command installs exactly it: `npm ci`, or a plain
    `npm install` whose lockfile matches package.json (npm then installs the lockfile as is)."""

    if lock is None or command.no_lock:
        return None
    if command.kind == "ci":
        found = read_lock(lock, _parse)
        return absolute_locals(without_foreign_optionals(found, lock), project) if found else None
    if command.kind != "install" or command.specs:
        return None
    manifest = _json(project / "package.json")
    data = _json(lock)
    root = (data.get("packages") or {}).get("") if isinstance(data.get("packages"), dict) else None
    if not isinstance(manifest, dict) or not isinstance(root, dict) or "workspaces" in manifest:
        return None
    if any((manifest.get(s) or {}) != (root.get(s) or {}) for s in _SECTIONS):
        return None
    found = read_lock(lock, _parse)
    return absolute_locals(without_foreign_optionals(found, lock), project) if found else None


def _run_npm(wrapped: Wrapped, command: NpmCommand, project: Path) -> Lockfile:
    with tempfile.TemporaryDirectory(prefix="depshield-guard-") as tmp:
        folder = Path(tmp)
        copy_project(project, folder, keep_lock=not command.no_lock)
        verb = "update" if command.kind == "update" else "install"
        # The temporary copy lacks the user's folders: local specs go in as absolute paths.
        specs = local_specs(command.specs, wrapped.cwd)
        argv = [verb, *command.resolution_options(), *specs]
        return _lock_only(folder, argv, wrapped.display())


def _lock_only(folder: Path, args: list[str], shown: str) -> Lockfile:

    npm = find_tool("npm")
    argv = [npm, *args, "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"]
    done = capture(argv, folder, {**os.environ, **_QUIET})
    if done.returncode != 0:
        down = done.registry_down
        raise ResolutionFailed(
            f"npm could not work out what {shown!r} would install"
            + (": the registry cannot be reached" if down else ""),
            returncode=done.returncode,
            stdout=done.stdout,
            stderr=done.stderr,
            registry_down=down,
            tip="check the network and the registry in your npm config; --force installs "
            "without checking"
            if down
            else None,
        )
    for name in LOCKS:
        lock = read_lock(folder / name, _parse)
        if lock is not None:
            # npm records local folders and tarballs relative to the temporary copy.
            return absolute_locals(without_foreign_optionals(lock, folder / name), folder)
    raise ResolutionFailed(f"npm wrote no lockfile for {shown!r}", returncode=2)


_LOCAL_PREFIXES = ("./", "../", "/", "~/", ".\\", "..\\")
_TARBALLS = (".tgz", ".tar.gz", ".tar")


def local_specs(specs: tuple[str, ...] | list[str], cwd: Path) -> list[str]:
    """`./folder`, `../x.tgz`, `file:lib` made absolute (`file:/abs/...`), as npm-package-arg
    reads them: a path prefix, a `file:` scheme, or a tarball name; other specs unchanged."""
    out = []
    for spec in specs:
        name, at, rest = spec.partition("@") if not spec.startswith("@") else ("", "", spec)
        alias = f"{name}@" if at and rest.startswith(("file:", *_LOCAL_PREFIXES)) else ""
        target = rest if alias else spec
        if target.startswith("file:"):
            target = target.removeprefix("file:")
        elif not target.startswith(_LOCAL_PREFIXES) and not target.endswith(_TARBALLS):
            out.append(spec)
            continue
        path = (cwd / Path(target).expanduser()).resolve()
        out.append(f"{alias}file:{path}")
    return out


def absolute_locals(lock: Lockfile, folder: Path) -> Lockfile:
    """Local (`file:`/`link`) packages' paths made absolute from the lockfile's folder, so
    that the check reads them from disk after the temporary copy is gone."""
    from dataclasses import replace

    base = folder.resolve()
    packages = []
    for pkg in lock.packages:
        if pkg.source in ("file", "link") and pkg.resolved:
            rel = pkg.resolved.removeprefix("file:").removeprefix("link:")
            pkg = replace(pkg, resolved=os.path.normpath(base / rel))
        packages.append(pkg)
    return replace(lock, packages=tuple(packages))


def copy_project(project: Path, folder: Path, *, keep_lock: bool) -> None:
    """package.json (local paths made absolute), the lockfile, .npmrc and workspace manifests."""
    manifest = _json(project / "package.json")
    if isinstance(manifest, dict):
        _write_manifest(folder / "package.json", manifest, project)
        for pattern in _workspaces(manifest):
            for found in project.glob(pattern.rstrip("/") + "/package.json"):
                target = folder / found.relative_to(project)
                target.parent.mkdir(parents=True, exist_ok=True)
                child = _json(found)
                if isinstance(child, dict):
                    _write_manifest(target, child, found.parent)
    else:
        (folder / "package.json").write_text("{}\n")
    if keep_lock:
        for name in LOCKS:
            if (project / name).is_file():
                (folder / name).write_bytes(read_bytes(project / name, root=project))
    _copy_npmrc(project, folder)


def _copy_npmrc(project: Path, folder: Path) -> None:
    # Through the project-file reader: a FIFO would hang the copy, a symlink could leak a file.
    if (project / ".npmrc").is_file():
        (folder / ".npmrc").write_bytes(read_bytes(project / ".npmrc", root=project))


def _write_manifest(target: Path, manifest: dict[str, Any], home: Path) -> None:
    # `file:../lib` would point elsewhere from the temporary copy: make it absolute.
    for section in _SECTIONS:
        deps = manifest.get(section)
        if isinstance(deps, dict):
            for name, spec in deps.items():
                if isinstance(spec, str) and spec.startswith(("file:", "link:")):
                    scheme, _, rel = spec.partition(":")
                    deps[name] = f"{scheme}:{(home / rel).resolve()}"
    target.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _workspaces(manifest: dict[str, Any]) -> list[str]:
    value = manifest.get("workspaces")
    if isinstance(value, dict):
        value = value.get("packages")
    return [p for p in value if isinstance(p, str)] if isinstance(value, list) else []


def _json(path: Path) -> Any:

    try:
        return json.loads(read_text(path, root=path.parent))
    except (OSError, ValueError, DepshieldError):
        return None


def _parse(path: Path, text: str) -> Lockfile:

    return NpmLockParser().parse(path, text)
