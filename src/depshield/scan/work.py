"""The two parallel stages of a scan: locating artifacts (threads, I/O bound) and analysing them
(processes, CPU bound), each artifact examined at most once thanks to the digest cache."""

from __future__ import annotations

import concurrent.futures as cf
import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from depshield.errors import DepshieldError, NotFoundError, RegistryError
from depshield.lockfiles.base import LockedPackage
from depshield.model import PackageResult
from depshield.scan.fetch import Located, from_registry, from_store

if TYPE_CHECKING:
    from depshield.analysis import Examined
    from depshield.scan.run import ScanOptions

SOURCE_REASONS = {
    "git": "a git dependency: not fetched from the registry",
    "http": "a tarball URL dependency: not fetched from the registry",
    "file": "a local path dependency that is not a directory here",
    "link": "a linked local directory that does not exist here",
}


def locate_all(
    unique: dict[str, LockedPackage], options: ScanOptions
) -> tuple[dict[str, Located], dict[str, str], bool]:
    """purl -> artifact on disk; purl -> reason for the ones that could not be had."""
    from depshield.artifacts.store import ArtifactStore

    store = ArtifactStore()
    located: dict[str, Located] = {}
    errors: dict[str, str] = {}
    missing: list[tuple[str, LockedPackage]] = []
    for purl, pkg in unique.items():
        local = _local_directory(pkg)
        if local is not None:
            located[purl] = Located(pkg.ref, local, "", {})
            continue
        if pkg.source in SOURCE_REASONS:
            errors[purl] = f"{pkg.name}: {SOURCE_REASONS[pkg.source]}"
            continue
        hit = from_store(pkg, store)
        if hit is not None:
            located[purl] = hit
        else:
            missing.append((purl, pkg))
    network_failed = False
    if missing and options.offline:
        for purl, pkg in missing:
            errors[purl] = f"{pkg.name}@{pkg.version}: not in the local cache (--offline)"
        return located, errors, False
    total = len(missing)
    if not missing:
        return located, errors, False  # a warm rescan: no client, no thread, no request
    from depshield.net import make_client

    # One client for every download: connections (and TLS sessions) are reused across packages.
    with (
        make_client() as client,
        cf.ThreadPoolExecutor(max_workers=max(1, options.downloads)) as pool,
    ):
        futures = {
            pool.submit(from_registry, pkg, store, "default", client): (purl, pkg)
            for purl, pkg in missing
        }
        for done, future in enumerate(cf.as_completed(futures), 1):
            purl, pkg = futures[future]
            try:
                located[purl] = future.result()
            except DepshieldError as exc:
                errors[purl] = exc.message
                network_failed |= isinstance(exc, RegistryError) and not isinstance(
                    exc, NotFoundError
                )
            if options.progress:
                options.progress("download", done, total)
    return located, errors, network_failed


def _local_directory(pkg: LockedPackage) -> Path | None:
    """A `file:`/`link:` dependency's directory when it exists (resolved by the scan)."""
    if pkg.source not in ("file", "link") or not pkg.resolved:
        return None
    path = Path(pkg.resolved)
    return path if path.is_dir() else None


def _examine(path: str, ecosystem: str) -> Examined:
    from pathlib import Path

    from depshield.analysis import examine

    return examine(Path(path), ecosystem)


class AnalysisPool:
    """Cache lookups in this process; misses go to a process pool; judging happens here."""

    def __init__(self, options: ScanOptions) -> None:
        from depshield.cache import Cache

        self.options = options
        self.cache = Cache()
        self.pool: cf.ProcessPoolExecutor | None = None

    def __enter__(self) -> AnalysisPool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
        self.cache.close()

    def analyse(self, located: dict[str, Located]) -> Iterator[tuple[str, PackageResult]]:
        from depshield.analysis import cache_key, decode, encode

        misses: list[tuple[str, Located, str]] = []
        total, done = len(located), 0
        for purl, item in located.items():
            key = cache_key(item.ref.ecosystem)
            # Local directories have no digest: their code may change between scans.
            cached = self.cache.get_analysis(item.digest, key) if item.digest else None
            examined = decode(cached) if cached else None
            if examined is None:
                misses.append((purl, item, key))
                continue
            done += 1
            yield purl, self._judge(item, examined)
        if misses and self.options.progress:
            self.options.progress("analyse", done, total)
        for purl, item, key, examined_or_error in self._run(misses):
            done += 1
            if isinstance(examined_or_error, str):
                yield purl, _failed(item, examined_or_error)
            else:
                if item.digest:
                    self.cache.put_analysis(item.digest, key, encode(examined_or_error))
                yield purl, self._judge(item, examined_or_error)
            if self.options.progress:
                self.options.progress("analyse", done, total)

    def _run(
        self, misses: list[tuple[str, Located, str]]
    ) -> Iterator[tuple[str, Located, str, Examined | str]]:
        if len(misses) <= 2:
            for purl, item, key in misses:
                yield purl, item, key, _safe_examine(str(item.path), item.ref.ecosystem)
            return
        workers = self.options.jobs or os.cpu_count() or 1
        self.pool = cf.ProcessPoolExecutor(max_workers=workers)
        futures = {
            self.pool.submit(_safe_examine, str(item.path), item.ref.ecosystem): (purl, item, key)
            for purl, item, key in misses
        }
        for future in cf.as_completed(futures):
            purl, item, key = futures[future]
            try:
                outcome: Examined | str = future.result()
            except Exception as exc:  # noqa: BLE001 - a crashed worker is one failed package
                outcome = f"analysis failed: {type(exc).__name__}: {exc}"
            yield purl, item, key, outcome

    def _judge(self, item: Located, examined: Examined) -> PackageResult:
        from depshield.analysis import judge_examined

        return judge_examined(
            examined,
            item.path,
            ref=item.ref,
            policy=self.options.policy,
            digest=item.digest,
            metadata=item.metadata,
        )


def _safe_examine(path: str, ecosystem: str) -> Examined | str:
    try:
        return _examine(path, ecosystem)
    except DepshieldError as exc:
        return exc.message


def _failed(item: Located, reason: str) -> PackageResult:
    from depshield.model import Scores

    return PackageResult(item.ref, "pass", Scores(), (), (), skipped=reason, digest=item.digest)
