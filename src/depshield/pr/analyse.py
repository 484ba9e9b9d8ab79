"""Analysing only what a change brings in: new packages, new versions (with the version diff
against the previous one), and local packages read from the head tree."""

from __future__ import annotations

import concurrent.futures as cf
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from depshield import project_files
from depshield.analysis import cache_key, decode, encode, examine
from depshield.cache import Cache
from depshield.diff import diff_examined
from depshield.ecosystems.plugins import plugin
from depshield.errors import DepshieldError
from depshield.judging import judge_examined
from depshield.lockfiles.base import LockedPackage
from depshield.policy import Policy
from depshield.pr.advice import advise
from depshield.pr.changes import Change
from depshield.pr.report import Assessed
from depshield.pr.source import inside
from depshield.project_files import outside_error
from depshield.scan.discover import SKIP_DIRS
from depshield.scan.run import ScanOptions
from depshield.scan.work import locate_all

if TYPE_CHECKING:
    from depshield.analysis import Examined
    from depshield.scan.fetch import Located


@dataclass(frozen=True)
class AnalyseOptions:
    policy: Policy = field(default_factory=Policy)
    offline: bool = False
    downloads: int = 8
    jobs: int = 0
    # How analysis processes start: the service runs threads, and forking a threaded process
    # can copy a lock some other thread holds, so it asks for "forkserver".
    start_method: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    items: list[Assessed]
    errors: list[str]
    network_failed: bool
    refused: list[str] = field(default_factory=list)  # also in errors; exit 2


def assess(changes: Sequence[Change], head_root: Path | None, options: AnalyseOptions) -> Outcome:
    """Fetch and examine exactly the versions the change involves, then judge each change."""

    wanted: dict[str, LockedPackage] = {}
    for change in changes:
        if change.brings_code and not change.local and change.package is not None:
            wanted[change.package.ref.purl] = change.package
            if change.previous is not None and change.previous.source == "registry":
                wanted[change.previous.ref.purl] = change.previous
    scan_options = ScanOptions(offline=options.offline, downloads=options.downloads)
    located, reasons, network_failed = locate_all(wanted, scan_options)
    examined = examine_all(located, options.jobs, options.start_method)
    items = []
    for change in changes:
        items.append(_assess_one(change, located, examined, reasons, head_root, options.policy))
    errors = sorted({i.skipped for i in items if i.skipped})
    refused = sorted({i.skipped for i in items if i.skipped and i.refused})
    return Outcome(items, errors, network_failed, refused)


def examine_all(
    located: Mapping[str, Located], jobs: int, start_method: str | None = None
) -> dict[str, Examined | str]:
    """purl -> what the analyzers found (cached by artifact digest), or why they could not."""

    found: dict[str, Examined | str] = {}
    misses: list[tuple[str, Located]] = []
    cache = Cache()
    try:
        for purl, item in located.items():
            cached = cache.get_analysis(item.digest, cache_key(item.ref.ecosystem))
            examined = decode(cached) if cached else None
            if examined is None:
                misses.append((purl, item))
            else:
                found[purl] = examined
        outcomes = _run(misses, jobs, start_method)
        for (purl, item), outcome in zip(misses, outcomes, strict=True):
            found[purl] = outcome
            if not isinstance(outcome, str):
                cache.put_analysis(item.digest, cache_key(item.ref.ecosystem), encode(outcome))
    finally:
        cache.close()
    return found


def _run(
    misses: list[tuple[str, Located]], jobs: int, start_method: str | None
) -> list[Examined | str]:
    import multiprocessing

    args = [(str(item.path), item.ref.ecosystem) for _, item in misses]
    if len(misses) <= 2:
        return [_safe_examine(*a) for a in args]
    workers = min(jobs or os.cpu_count() or 1, len(misses))
    context = multiprocessing.get_context(start_method) if start_method else None
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_safe_examine, *a) for a in args]
        return [_result_or_reason(f) for f in futures]


def _result_or_reason(future: cf.Future[Examined | str]) -> Examined | str:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a crashed worker is one failed package
        return f"analysis failed: {type(exc).__name__}: {exc}"


def _safe_examine(path: str, ecosystem: str) -> Examined | str:

    try:
        return examine(Path(path), ecosystem)
    except DepshieldError as exc:
        return exc.message


def _assess_one(
    change: Change,
    located: Mapping[str, Located],
    examined: Mapping[str, Examined | str],
    reasons: Mapping[str, str],
    head_root: Path | None,
    policy: Policy,
) -> Assessed:
    if not change.brings_code or change.package is None:
        return Assessed(change, None)
    if change.local:
        return _assess_local(change, head_root, policy)
    purl = change.package.ref.purl
    new = examined.get(purl)
    if new is None or isinstance(new, str):
        reason = new if isinstance(new, str) else reasons.get(purl, "not analysed")
        return Assessed(change, None, skipped=reason)
    meta = located[purl].metadata
    old_purl = change.previous.ref.purl if change.previous else ""
    old = examined.get(old_purl)
    if change.previous is not None and old is not None and not isinstance(old, str):
        return _assess_diff(change, old, new, located[old_purl].metadata, meta, policy)
    return _assess_added(change, new, located[purl], policy)


def _assess_added(change: Change, new: Examined, item: Located, policy: Policy) -> Assessed:

    result = judge_examined(
        new, item.path, ref=item.ref, policy=policy, digest=item.digest, metadata=item.metadata
    )
    alerts = tuple(result.alerts)
    return Assessed(change, result, alerts, advice=advise(change, result, alerts, None))


def _assess_diff(
    change: Change,
    old: Examined,
    new: Examined,
    old_meta: Mapping[str, Any],
    new_meta: Mapping[str, Any],
    policy: Policy,
) -> Assessed:

    assert change.previous is not None and change.package is not None
    diff = diff_examined(
        old,
        new,
        old_meta,
        new_meta,
        old_ref=change.previous.ref,
        new_ref=change.package.ref,
        policy=policy,
    )
    alerts = tuple(diff.new_alerts)
    return Assessed(change, diff.new, alerts, diff, advice=advise(change, diff.new, alerts, diff))


def _assess_local(change: Change, head_root: Path | None, policy: Policy) -> Assessed:
    """A `file:`/`link:`/workspace/path dependency: its folder as the head commit has it."""

    assert change.package is not None
    if _leaves_root(change.package, change.lockfile):
        refusal = outside_error(change.lockfile, change.line, change.package.resolved or "")
        return Assessed(change, None, skipped=refusal.line_with_tip, refused=True)
    folder = local_folder(change, head_root)
    if folder is None:
        reason = f"{change.name}: local path {change.package.resolved!r} is not in the repository"
        return Assessed(change, None, skipped=reason)
    try:
        found = examine(folder, change.ecosystem)
    except DepshieldError as exc:
        return Assessed(change, None, skipped=f"{change.name}: {exc.message}")
    result = judge_examined(found, folder, ref=change.package.ref, policy=policy)
    alerts = tuple(result.alerts)
    return Assessed(change, result, alerts, advice=advise(change, result, alerts, None))


def local_folder(change: Change, head_root: Path | None) -> Path | None:
    """Where a local dependency's files are in the exported head tree (never outside it)."""
    if head_root is None or change.package is None:
        return None
    rel = local_dir(change.package, change.lockfile, head_root)
    found = inside(head_root, rel) if rel is not None else None
    return found if found is not None and found.is_dir() else None


def _leaves_root(pkg: LockedPackage, lockfile: str) -> bool:
    """Whether a local dependency's recorded path climbs out of the project or is absolute."""
    import posixpath

    text = _local_path(pkg)
    if not text or text.startswith(("^", "~", "*")):
        return False
    lock_dir = Path(lockfile).parent.as_posix()
    joined = posixpath.normpath(posixpath.join(lock_dir, text.removeprefix("//")))
    return joined.startswith(("..", "/"))


def _local_path(pkg: LockedPackage) -> str:
    text = (pkg.resolved or "").strip()
    for prefix in ("file:", "link:", "portal:", "workspace:"):
        if text.lower().startswith(prefix):
            return text[len(prefix) :]
    return text


def local_dir(pkg: LockedPackage, lockfile: str, root: Path) -> str | None:
    """The folder of a local package relative to the project root: the path its entry
    records (`file:../x`, relative to the lockfile), else the folder whose package.json has
    its name (package-lock records a link's target by location, not by path)."""
    import posixpath

    lock_dir = Path(lockfile).parent.as_posix()
    text = _local_path(pkg)
    if text and not text.startswith(("^", "~", "*")):
        joined = posixpath.normpath(posixpath.join(lock_dir, text.removeprefix("//")))
        return None if joined.startswith("..") else joined

    if not plugin(pkg.ecosystem).links_by_name:
        return None
    return _named_folder(root, pkg.name)


def _named_folder(root: Path, name: str) -> str | None:
    import json

    for manifest in sorted(root.rglob("package.json")):
        rel = manifest.parent.relative_to(root)
        if any(part in SKIP_DIRS for part in rel.parts):
            continue
        try:
            doc = json.loads(project_files.read_text(manifest, root=root))
        except (OSError, ValueError, DepshieldError):
            continue
        if isinstance(doc, dict) and doc.get("name") == name and rel.parts:
            return rel.as_posix()
    return None
