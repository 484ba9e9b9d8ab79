"""Analysing located artifacts: cache lookups and judging in this process, cache misses in a
process pool, fed while downloads are still running so that the two overlap."""

from __future__ import annotations

import concurrent.futures as cf
import os
from collections.abc import Iterable, Iterator
from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING

from depshield.errors import DepshieldError
from depshield.model import PackageResult
from depshield.scan.fetch import Located

if TYPE_CHECKING:
    from depshield.analysis import Examined
    from depshield.scan.run import ScanOptions

_Job = tuple[str, Located, str]  # purl, artifact, cache key


class AnalysisPool:
    """Cache lookups in this process; misses go to a process pool; judging happens here.

    Streaming use: `lookup` every artifact already on disk, `start` (forks the workers before
    any download thread exists), then `add` each download as it arrives and `finish`."""

    def __init__(self, options: ScanOptions) -> None:
        from depshield.cache import Cache

        self.options = options
        self.cache = Cache()
        self.pool: cf.ProcessPoolExecutor | None = None
        self.started = False
        self.futures: dict[cf.Future[Examined | str], _Job] = {}
        self.queued: list[_Job] = []
        self.total = self.done = 0
        self.expected = 0  # artifacts still to come (downloads), for the progress bar's total

    def __enter__(self) -> AnalysisPool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
        self.cache.close()

    def analyse(self, located: dict[str, Located]) -> Iterator[tuple[str, PackageResult]]:
        """Every artifact of `located`, judged (cached analyses first)."""
        yield from self.lookup(located.items())
        self.start(processes=len(self.queued) > 2)
        yield from self.finish()

    def lookup(self, items: Iterable[tuple[str, Located]]) -> Iterator[tuple[str, PackageResult]]:
        """Judge what the cache has; queue the rest until `start`."""
        for purl, item in items:
            self.total += 1
            judged = self._cached(purl, item)
            if judged is not None:
                yield judged
        if self.futures and self.options.progress:
            self.options.progress("analyse", self.done, max(self.total, self.expected))

    def start(self, *, processes: bool) -> None:
        """Start the workers now (before threads exist: they are forked) and hand them the
        queued misses; without `processes` every analysis runs in this process instead."""
        self.started = True
        if processes and self.pool is None:
            workers = self.options.jobs or os.cpu_count() or 1
            self.pool = cf.ProcessPoolExecutor(max_workers=workers)
            self.pool.submit(os.getpid)  # with fork, the first submit launches every worker
        queued, self.queued = self.queued, []
        for job in queued:
            self._submit(job)

    def add(self, purl: str, item: Located) -> Iterator[tuple[str, PackageResult]]:
        """One more artifact (a download that just arrived); yields whatever is ready."""
        yield from self.lookup([(purl, item)])
        yield from self._ready(block=False)

    def finish(self) -> Iterator[tuple[str, PackageResult]]:
        """Wait for every analysis still running."""
        if not self.started:
            self.start(processes=False)
        yield from self._ready(block=True)

    def _cached(self, purl: str, item: Located) -> tuple[str, PackageResult] | None:
        from depshield.analysis import cache_key, decode

        key = cache_key(item.ref.ecosystem)
        # Local directories have no digest: their code may change between scans.
        cached = self.cache.get_analysis(item.digest, key) if item.digest else None
        examined = decode(cached) if cached else None
        if examined is None:
            if self.started:
                self._submit((purl, item, key))
            else:
                self.queued.append((purl, item, key))
            return None
        self.done += 1
        return purl, self._judge(item, examined)

    def _submit(self, job: _Job) -> None:
        if self.pool is None:
            future: cf.Future[Examined | str] = cf.Future()
            future.set_result(_safe_examine(str(job[1].path), job[1].ref.ecosystem))
        else:
            future = self.pool.submit(_safe_examine, str(job[1].path), job[1].ref.ecosystem)
        self.futures[future] = job

    def _ready(self, *, block: bool) -> Iterator[tuple[str, PackageResult]]:
        from depshield.analysis import encode

        pending = list(self.futures)
        finished = cf.as_completed(pending) if block else [f for f in pending if f.done()]
        for future in finished:
            purl, item, key = self.futures.pop(future)
            try:
                outcome: Examined | str = future.result()
            except Exception as exc:  # noqa: BLE001 - a crashed worker is one failed package
                outcome = f"analysis failed: {type(exc).__name__}: {exc}"
            self.done += 1
            if isinstance(outcome, str):
                yield purl, _failed(item, outcome)
            else:
                if item.digest:
                    self.cache.put_analysis(item.digest, key, encode(outcome))
                yield purl, self._judge(item, outcome)
            if self.options.progress:
                self.options.progress("analyse", self.done, max(self.total, self.expected))

    def _judge(self, item: Located, examined: Examined) -> PackageResult:
        from depshield.ecosystems.plugins import plugins
        from depshield.judging import judge_examined

        result = judge_examined(
            examined,
            item.path,
            ref=item.ref,
            policy=self.options.policy,
            digest=item.digest,
            metadata=item.metadata,
            # A stored artifact (a warm scan) has no registry document but came from one; a
            # local folder (digest "") did not.
            from_registry=bool(item.digest) and item.ref.ecosystem in plugins(),
        )
        # The store names files by digest; the report names the file the registry published.
        return replace(result, artifact=item.artifact) if item.artifact else result


def _examine(path: str, ecosystem: str) -> Examined:
    from pathlib import Path

    from depshield.analysis import examine

    return examine(Path(path), ecosystem)


def _safe_examine(path: str, ecosystem: str) -> Examined | str:
    try:
        return _examine(path, ecosystem)
    except DepshieldError as exc:
        return exc.message


def _failed(item: Located, reason: str) -> PackageResult:
    from depshield.model import Scores

    return PackageResult(item.ref, "pass", Scores(), (), (), skipped=reason, digest=item.digest)
