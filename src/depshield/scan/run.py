"""The scan loop: lockfiles -> unique packages -> artifacts (parallel) -> analyses (process
pool, cached by digest) -> judged results -> a Report with the graph."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from depshield.errors import DepshieldError
from depshield.lockfiles.base import LockedPackage, Lockfile
from depshield.model import PackageResult, Scores
from depshield.policy import Policy
from depshield.project_files import project_root
from depshield.reports.base import InputError, Occurrence, Report

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class ScanOptions:
    offline: bool = False
    prod_only: bool = False
    jobs: int = 0  # analysis processes; 0 = one per core
    downloads: int = 8  # parallel downloads
    # PyPI: "install" (the file an installer on this machine takes: a wheel when the lock names
    # one that fits, else the sdist) or "sdist" (the sdist whenever there is one).
    artifact: str = "install"
    policy: Policy = field(default_factory=Policy)
    show_all: bool = False
    progress: Progress | None = None


@dataclass
class ScanOutcome:
    report: Report
    network_failed: bool
    # Project files and `file:` paths refused (outside the root, not regular, too large): each
    # also one of the report's errors. Exit 2. Filled from ProjectFileError, not by message.
    refused: list[str] = field(default_factory=list)

    @property
    def input_errors(self) -> list[InputError]:
        """Lockfiles and manifests that could not be read or parsed: not checked (exit 2)."""
        return list(self.report.input_errors)

    @property
    def not_analysed(self) -> list[PackageResult]:
        """Packages with no analysis behind their verdict: not a pass (exit 6)."""
        return [p for p in self.report.packages if p.skipped]


def parse_project(root: Path, refused: list[str] | None = None) -> tuple[list[Lockfile], list[str]]:
    """Every lockfile under `root`, parsed; files that fail are errors naming file and line
    (those the project-file reader refused are also added to `refused`)."""
    lockfiles, problems = read_project(root, refused)
    return lockfiles, [str(problem) for problem in problems]


def read_project(
    root: Path, refused: list[str] | None = None
) -> tuple[list[Lockfile], list[InputError]]:
    """`parse_project` with each unreadable file as an InputError (file, message, tip)."""
    from depshield.lockfiles.parsers import parsers
    from depshield.scan.discover import find_files

    lockfiles: list[Lockfile] = []
    errors: list[InputError] = []
    base = root if root.is_dir() else root.parent
    with project_root(base):
        for path, parser in find_files(root, parsers()):
            _parse_one(path, parser, base, lockfiles, (errors, refused))
    return lockfiles, errors


def _parse_one(
    path: Path,
    parser: Any,
    base: Path,
    lockfiles: list[Lockfile],
    problems: tuple[list[InputError], list[str] | None],
) -> None:
    from depshield.lockfiles.base import LockfileError
    from depshield.project_files import ProjectFileError, read_bytes

    rel = os.path.relpath(path, base)
    try:
        # Lenient decoding: a binary lockfile (bun.lockb) reaches its parser, which says
        # what to do about it, instead of failing here without a tip. The reader refuses
        # symlinks out of the project, FIFOs, devices and oversized files (docs/security.md).
        text = read_bytes(path, root=base).decode("utf-8-sig", errors="replace")
        lock = parser.parse(path, text)
    except DepshieldError as exc:
        errors, refused = problems
        line = exc.line if isinstance(exc, LockfileError) else None
        # Named as the report names lockfiles: relative to the scanned folder.
        message = exc.message.replace(str(path), rel, 1)
        errors.append(InputError(rel, message, exc.tip, line))
        if isinstance(exc, ProjectFileError) and refused is not None:
            refused.append(str(errors[-1]))
        return
    lockfiles.append(
        Lockfile(rel, lock.ecosystem, lock.format, lock.packages, lock.edges, lock.notes)
    )


def scan(root: Path, options: ScanOptions) -> ScanOutcome:
    from depshield.errors import NothingToScan
    from depshield.scan.resolve import resolve_unpinned
    from depshield.scan.sync import out_of_sync

    refused: list[str] = []
    lockfiles, unreadable = read_project(root, refused)
    errors = [str(problem) for problem in unreadable]
    if not lockfiles and not unreadable:
        raise NothingToScan(
            f"no lockfile or manifest found under {str(root)!r}",
            tip="run depshield scan in a project with package-lock.json, yarn.lock, "
            "pnpm-lock.yaml, requirements.txt, poetry.lock, uv.lock...",
        )
    base = root if root.is_dir() else root.parent
    stale = [problem for lock in lockfiles for problem in out_of_sync(lock, base)]
    if not options.offline:
        lockfiles, resolve_errors = resolve_unpinned(lockfiles)
        errors += resolve_errors
    unique, outside = _unique_packages(lockfiles, options.prod_only, base)
    refused += outside
    advisory_notes = [] if options.offline else _prefetch_advisories(unique)
    results, fetch_errors, network_failed = _analyse_all(unique, options)
    errors += outside + fetch_errors
    report = _report(root, lockfiles, unique, results, errors, options)
    report = _once(report, advisory_notes)
    report = replace(report, notes=[*stale, *report.notes], input_errors=unreadable)
    return ScanOutcome(report, network_failed, refused)


def _prefetch_advisories(unique: dict[str, LockedPackage]) -> list[str]:
    """Registries that answer for many packages at once (npm's bulk advisory endpoint) are
    asked once for the whole tree, so judging each package reads the cache instead."""
    from depshield.vulns.registry import prefetch_advisories

    refs = [p.ref for p in unique.values() if p.source == "registry"]
    return prefetch_advisories(refs) if refs else []


def _once(report: Report, extra: Sequence[str]) -> Report:
    """Notes that every package would repeat (advisories not checked, an empty vulnerability
    database) are said once, for the whole scan."""
    from depshield.vulns import NOT_CHECKED_NOTES as shared

    lifted: list[str] = list(extra)
    packages = []
    for result in report.packages:
        mine = [n for n in result.notes if n in shared or n in extra]
        lifted += [n for n in mine if n not in lifted]
        packages.append(replace(result, notes=tuple(n for n in result.notes if n not in mine)))
    if not lifted:
        return report
    return replace(report, packages=packages, notes=[*lifted, *report.notes])


def _unique_packages(
    lockfiles: Sequence[Lockfile], prod_only: bool, base: Path
) -> tuple[dict[str, LockedPackage], list[str]]:
    """One entry per purl; `file:`/`link:` dependencies get their directory resolved against
    the lockfile's folder, so their code is analysed from disk. A local path that leaves the
    project is not read: it is refused (the second list), as a lockfile outside would be."""
    from depshield.project_files import inside, outside_error

    unique: dict[str, LockedPackage] = {}
    refused: list[str] = []
    real_base = Path(os.path.realpath(base))
    for lock in lockfiles:
        folder = (base / lock.path).parent
        for pkg in lock.packages:
            if prod_only and pkg.dev:
                continue
            if pkg.source == "workspace":
                continue  # the project's own code, not a dependency
            if pkg.source in ("file", "link") and pkg.resolved:
                local = pkg.resolved.removeprefix("file:").removeprefix("link:")
                if not inside(folder / local, real_base):
                    refused.append(outside_error(lock.path, pkg.line, local).line_with_tip)
                    continue
                pkg = replace(pkg, resolved=str((folder / local).resolve()))
            unique.setdefault(pkg.ref.purl, pkg)
    return unique, sorted(set(refused))


def _analyse_all(
    unique: dict[str, LockedPackage], options: ScanOptions
) -> tuple[dict[str, PackageResult], list[str], bool]:
    from depshield.scan.work import AnalysisPool, Downloads, locate_local

    located, errors, missing = locate_local(unique, options)
    downloads = Downloads(missing, options)
    results: dict[str, PackageResult] = {}
    with AnalysisPool(options) as pool:
        pool.expected = len(located) + len(missing)
        results.update(pool.lookup(located.items()))
        # Workers are forked before the download threads start; tiny scans stay in-process.
        pool.start(processes=len(pool.queued) + len(missing) > 2)
        for purl, item in downloads:
            results.update(pool.add(purl, item))
        results.update(pool.finish())
    errors.update(downloads.errors)
    network_failed = downloads.network_failed
    for purl, pkg in unique.items():
        if purl not in results:
            results[purl] = _skipped(pkg, errors.get(purl, "not analysed"))
    return results, sorted(set(errors.values())), network_failed


def _skipped(pkg: LockedPackage, reason: str) -> PackageResult:
    return PackageResult(pkg.ref, "pass", Scores(), (), (), skipped=reason)


def _report(
    root: Path,
    lockfiles: Sequence[Lockfile],
    unique: dict[str, LockedPackage],
    results: dict[str, PackageResult],
    errors: list[str],
    options: ScanOptions,
) -> Report:
    from depshield.lockfiles.graph import introduced_by
    from depshield.scan.deep import deep_views

    occurrences: dict[str, list[Occurrence]] = defaultdict(list)
    edges: list[tuple[str, str]] = []
    for lock in lockfiles:
        purls = {p.key: p.ref.purl for p in lock.packages}
        paths = introduced_by(lock)
        for pkg in lock.packages:
            if pkg.ref.purl in unique:
                occurrences[pkg.ref.purl].append(
                    Occurrence(
                        lock.path,
                        pkg.line,
                        paths.get(pkg.key, pkg.name),
                        pkg.direct,
                        pkg.dev,
                        pkg.optional,
                        pkg.peer,
                    )
                )
        for parent, child in lock.edges:
            if child in purls:
                edges.append((purls.get(parent, ""), purls[child]))
    ordered = sorted(results.values(), key=_worst_first)
    repo_root, repo_prefix = repository(root if root.is_dir() else root.parent)
    return Report(
        packages=ordered,
        errors=errors,
        show_all=options.show_all,
        root=str(root),
        lockfiles=[lock.path for lock in lockfiles],
        occurrences=dict(occurrences),
        edges=sorted(set(edges)),
        deep=deep_views(results, edges),
        notes=[f"{lock.path}: {note}" for lock in lockfiles for note in lock.notes],
        repo_root=repo_root,
        repo_prefix=repo_prefix,
    )


def repository(base: Path) -> tuple[str, str]:
    """(the repository root, `base` relative to it as a URI prefix): the nearest folder up
    with a .git (a directory, or a file in a worktree), else `base` itself."""
    start = base.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            relative = start.relative_to(folder).as_posix()
            return str(folder), "" if relative == "." else relative + "/"
    return str(start), ""


VERDICT_RANK = {"block": 0, "warn": 1, "pass": 2}


def _worst_first(result: PackageResult) -> tuple[int, int, str]:
    return (VERDICT_RANK[result.verdict], result.scores.overall, result.ref.purl)
