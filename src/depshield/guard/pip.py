"""pip: resolve with `pip install --dry-run --report --only-binary=:all:` so that pip never builds
(building runs a package's setup.py); what only an sdist can satisfy is resolved from the index."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from depshield.errors import DepshieldError, NotFoundError, RegistryError
from depshield.guard.base import ExactFile, GuardError, Plan, ResolutionFailed, Wrapped
from depshield.guard.pip_args import PipCommand, needs_build, parse_pip
from depshield.guard.pip_index import resolve_from_index, wanted
from depshield.guard.pip_local import local_items
from depshield.guard.process import capture, find_tool
from depshield.lockfiles.base import LockedPackage
from depshield.lockfiles.requirements import RequirementsParser
from depshield.project_files import read_text

SDIST_NOTE = (
    "the installer could not resolve with wheels only, so depshield resolved from the index's "
    "metadata and checked source distributions (they will be built, running their setup code)"
)


class PipResolver:
    """`pip install ...`; every other pip command installs nothing and runs straight away."""

    words: tuple[str, ...] = ()  # the wrapper's words before pip's arguments ("uv pip")

    def plan(self, wrapped: Wrapped) -> Plan | None:
        if wrapped.args[: len(self.words)] != self.words:
            return None
        command = parse_pip(wrapped.args[len(self.words) :])
        if command.subcommand != "install":
            return None
        from_files, builds = requirement_files(command, wrapped.cwd)
        builds += [x for x in (*command.requirements, *command.editables) if needs_build(x)]
        if builds:
            # Resolving these with pip would build them: never ask pip, read the index instead.
            return index_plan(command, from_files, wrapped.cwd, builds)
        try:
            return self.resolve(wrapped, command)
        except ResolutionFailed as failed:
            if failed.registry_down:
                raise
            try:
                plan = index_plan(command, from_files, wrapped.cwd, [])
            except DepshieldError as exc:
                # pip's own error is the one to show; ours says why no fallback was possible.
                failed.tip = f"depshield's own lookup in the index failed too: {exc.message}"
                if isinstance(exc, RegistryError) and not isinstance(exc, NotFoundError):
                    raise _index_down(wrapped, failed) from None
                raise failed from None
            return _with_note(plan, SDIST_NOTE)

    def resolve(self, wrapped: Wrapped, command: PipCommand) -> Plan:
        return report_plan(wrapped, command)


def _index_down(wrapped: Wrapped, failed: ResolutionFailed) -> ResolutionFailed:
    return ResolutionFailed(
        f"pip could not work out what {wrapped.display()!r} would install: "
        "the package index cannot be reached",
        returncode=failed.returncode,
        stdout=failed.stdout,
        stderr=failed.stderr,
        registry_down=True,
        tip="check the network and PIP_INDEX_URL / pip.conf; --force installs without checking",
    )


def report_plan(wrapped: Wrapped, command: PipCommand) -> Plan:
    program = find_tool(wrapped.argv[0])
    with tempfile.TemporaryDirectory(prefix="depshield-guard-") as tmp:
        report = Path(tmp) / "report.json"
        # Not --quiet: pip's connection warnings are how an unreachable index is recognised.
        argv = [program, "install", *command.resolution_args, "--dry-run"]
        argv += ["--report", str(report), "--only-binary=:all:", "--disable-pip-version-check"]
        done = capture(argv, wrapped.cwd)
        if done.returncode != 0 or not report.is_file():
            down = done.registry_down
            raise ResolutionFailed(
                f"pip could not work out what {wrapped.display()!r} would install"
                + (": the package index cannot be reached" if down else ""),
                returncode=done.returncode or 2,
                stdout=done.stdout,
                stderr=done.stderr,
                registry_down=down,
                tip="check the network and PIP_INDEX_URL / pip.conf; --force installs "
                "without checking"
                if down
                else None,
            )
        data = json.loads(report.read_text(encoding="utf-8"))
    return parse_report(data)


def parse_report(data: Any) -> Plan:
    """pip's installation report (format 1): each item's metadata and download_info."""
    packages: list[LockedPackage] = []
    exact: dict[str, ExactFile] = {}
    unchecked: list[str] = []
    for item in data.get("install") or [] if isinstance(data, dict) else []:
        meta = item.get("metadata") or {}
        info = item.get("download_info") or {}
        name, version = str(meta.get("name", "")), str(meta.get("version", ""))
        hashes = (info.get("archive_info") or {}).get("hashes") or {}
        if not name or "archive_info" not in info or "sha256" not in hashes:
            unchecked.append(f"{name or '?'} {version}: from {info.get('url', 'a local source')}")
            continue
        pkg = LockedPackage(
            "pypi",
            name,
            version,
            resolved=str(info.get("url")),
            hashes=(f"sha256:{hashes['sha256']}",),
            direct=bool(item.get("requested")),
        )
        packages.append(pkg)
        exact[pkg.ref.purl] = ExactFile(str(info.get("url")), str(hashes["sha256"]))
    return Plan(
        tuple(packages),
        "pip install --dry-run --report --only-binary=:all:",
        exact=exact,
        artifact="wheel",
        unchecked=tuple(unchecked),
    )


def requirement_files(command: PipCommand, cwd: Path) -> tuple[list[LockedPackage], list[str]]:
    """Every -r file's registry requirements, and its entries pip would have to build."""

    packages: list[LockedPackage] = []
    builds: list[str] = []
    for name in command.files:
        path = cwd / name
        if not path.is_file():
            continue  # pip reports the missing file itself, before it resolves anything
        try:
            # The project-file reader refuses a FIFO, a device or a symlink out of the folder
            # (a ProjectFileError: one line, exit 2).
            lock = RequirementsParser().parse(path, read_text(path, root=cwd))
        except (OSError, UnicodeDecodeError) as exc:
            raise GuardError(f"cannot read requirements file {name!r}: {exc}") from None
        for pkg in lock.packages:
            if pkg.source == "registry":
                packages.append(pkg)
            else:
                builds.append(pkg.resolved or pkg.name)
    return packages, builds


def index_plan(
    command: PipCommand, from_files: list[LockedPackage], cwd: Path, builds: list[str]
) -> Plan:

    roots = wanted(command.requirements, from_files)
    # Local folders and archives are analysed from disk; only their declared dependencies
    # are resolved from the index.
    local = local_items(builds, cwd)
    roots = [r for r in roots if not _is_local(r, local.packages)]
    needed = [*roots, *local.requirements]
    packages = resolve_from_index(needed) if needed else []
    return Plan(
        (*local.packages, *packages),
        "the index's metadata (pip would build something to resolve)"
        if builds
        else "the index's metadata",
        artifact="default",
        unchecked=tuple(local.unchecked),
    )


def _is_local(root: tuple[str, str], local: list[LockedPackage]) -> bool:
    """`pip install ./x-1.0-py3-none-any.whl` parses as a requirement named like the file."""
    return any(root[0] == Path(p.resolved or "").name for p in local)


def _with_note(plan: Plan, note: str) -> Plan:
    from dataclasses import replace

    return replace(plan, notes=(*plan.notes, note))
