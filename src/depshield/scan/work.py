"""Locating a scan's artifacts: local directories and the store first (no network), then
downloads in a thread pool, yielded as they arrive so that analysis (scan/pool.py) overlaps."""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from depshield.errors import DepshieldError, NotFoundError, RegistryError
from depshield.lockfiles.base import LockedPackage
from depshield.scan.fetch import Located, from_registry, from_store
from depshield.scan.pool import AnalysisPool

__all__ = [
    "OFFLINE_REASON",
    "SOURCE_REASONS",
    "AnalysisPool",
    "Downloads",
    "locate_all",
    "locate_local",
]

if TYPE_CHECKING:
    from depshield.scan.run import ScanOptions

OFFLINE_REASON = "offline and not in the cache"
SOURCE_REASONS = {
    "git": "a git dependency: not fetched from the registry",
    "http": "a tarball URL dependency: not fetched from the registry",
    "file": "a local path dependency that is not a directory or an archive here",
    "link": "a linked local directory that does not exist here",
}


def locate_all(
    unique: dict[str, LockedPackage], options: ScanOptions
) -> tuple[dict[str, Located], dict[str, str], bool]:
    """purl -> artifact on disk; purl -> reason for the ones that could not be had."""
    located, errors, missing = locate_local(unique, options)
    fetched = Downloads(missing, options)
    located.update(fetched)
    errors.update(fetched.errors)
    return located, errors, fetched.network_failed


def locate_local(
    unique: dict[str, LockedPackage], options: ScanOptions
) -> tuple[dict[str, Located], dict[str, str], list[tuple[str, LockedPackage]]]:
    """Without network: local directories and stored artifacts; what else is needed is
    `missing` (with --offline it is a reason each instead)."""
    from depshield.artifacts.store import ArtifactStore

    store = ArtifactStore()
    located: dict[str, Located] = {}
    errors: dict[str, str] = {}
    missing: list[tuple[str, LockedPackage]] = []
    for purl, pkg in unique.items():
        local = local_artifact(pkg)
        if local is not None:
            located[purl] = Located(pkg.ref, local, "", {})
            continue
        if pkg.source in SOURCE_REASONS:
            errors[purl] = f"{pkg.name}: {SOURCE_REASONS[pkg.source]}"
            continue
        hit = from_store(pkg, store, options.artifact)
        if hit is not None:
            located[purl] = hit
        elif options.offline:
            errors[purl] = f"{pkg.name}@{pkg.version}: {OFFLINE_REASON}"
        else:
            missing.append((purl, pkg))
    # The largest files first: their downloads and analyses are the long ones.
    missing.sort(key=lambda item: -_expected_size(item[1], options.artifact))
    return located, errors, missing


class Downloads:
    """Iterating downloads `missing` over one shared client in a thread pool and yields each
    (purl, Located) as it arrives; failures land in `errors` and `network_failed`."""

    def __init__(self, missing: list[tuple[str, LockedPackage]], options: ScanOptions) -> None:
        self.missing = missing
        self.options = options
        self.errors: dict[str, str] = {}
        self.network_failed = False

    def __iter__(self) -> Iterator[tuple[str, Located]]:
        if not self.missing:
            return  # a warm rescan: no client, no thread, no request
        from depshield.artifacts.store import ArtifactStore
        from depshield.net import make_client

        store, options, total = ArtifactStore(), self.options, len(self.missing)
        # One client for every download: connections (and TLS sessions) are reused.
        with (
            make_client() as client,
            cf.ThreadPoolExecutor(max_workers=max(1, options.downloads)) as pool,
        ):
            futures = {
                pool.submit(from_registry, pkg, store, options.artifact, client): (purl, pkg)
                for purl, pkg in self.missing
            }
            for done, future in enumerate(cf.as_completed(futures), 1):
                purl, pkg = futures[future]
                try:
                    found = future.result()
                except DepshieldError as exc:
                    self.errors[purl] = exc.message
                    self.network_failed |= isinstance(exc, RegistryError) and not isinstance(
                        exc, NotFoundError
                    )
                else:
                    yield purl, found
                if options.progress:
                    options.progress("download", done, total)


def _expected_size(pkg: LockedPackage, artifact: str) -> int:
    from depshield.ecosystems.plugins import plugin

    chosen = plugin(pkg.ecosystem).locked_file(pkg, artifact)
    return (chosen.size or 0) if chosen is not None else 0


LOCAL_ARCHIVES = (".tgz", ".tar.gz", ".tar", ".zip", ".whl", ".tar.bz2")


def local_artifact(pkg: LockedPackage) -> Path | None:
    """A `file:`/`link:` dependency's directory, or its tarball / wheel / sdist, when it
    exists (its path made absolute by the scan or the install guard): analysed from disk."""
    if pkg.source not in ("file", "link") or not pkg.resolved:
        return None
    path = Path(pkg.resolved.removeprefix("file:").removeprefix("link:"))
    if not path.is_absolute():
        return None
    if path.is_dir() or (path.is_file() and path.name.lower().endswith(LOCAL_ARCHIVES)):
        return path
    return None
