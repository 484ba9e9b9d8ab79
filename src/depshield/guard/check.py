"""Checking a plan: each package's artifact from the store or the registry (the very file pip
named, when it named one), analysed once per digest, judged with the project's policy."""

from __future__ import annotations

import concurrent.futures as cf
import sys
from collections.abc import Callable
from dataclasses import dataclass

from depshield.artifacts.store import ArtifactStore, StoredArtifact
from depshield.errors import DepshieldError, IntegrityError, NotFoundError, RegistryError
from depshield.guard.base import ExactFile, Plan
from depshield.lockfiles.base import LockedPackage
from depshield.model import PackageResult
from depshield.net import iter_limited, request, session
from depshield.policy import Policy
from depshield.scan.fetch import Located, from_registry, from_store
from depshield.scan.run import ScanOptions
from depshield.scan.work import SOURCE_REASONS, AnalysisPool, local_artifact

MAX_FILE_BYTES = 512 * 1024 * 1024
LOCAL = ("file", "link")
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True, slots=True)
class Checked:
    results: tuple[PackageResult, ...]
    unchecked: tuple[str, ...]  # what could not be analysed, with why
    integrity: tuple[str, ...]  # artifacts that are not what the lockfile or pip promised
    network_failed: bool


def check(plan: Plan, policy: Policy, jobs: int = 0) -> Checked:

    progress = _progress()
    local = {p.ref.purl: (p, local_artifact(p)) for p in plan.packages if p.source in LOCAL}
    # A local folder, tarball, wheel or sdist (`npm install ./x`, `pip install ./x.whl`) is
    # analysed from disk like any package, and decides by its verdict.
    here = {purl: Located(p.ref, path, "", {}) for purl, (p, path) in local.items() if path}
    wanted = [p for p in plan.packages if p.source not in SOURCE_REASONS]
    found = _locate_all(wanted, plan, progress)
    found.located.update(here)
    wanted += [p for p, path in local.values() if path]
    unchecked = [f"{p.name}: {SOURCE_REASONS[p.source]}" for p in plan.packages if p not in wanted]
    unchecked = [*plan.unchecked, *unchecked, *found.unchecked]
    results: list[PackageResult] = []
    with AnalysisPool(ScanOptions(policy=policy, jobs=jobs, progress=progress)) as analyses:
        for _purl, result in analyses.analyse(found.located):
            results.append(result)
            if result.skipped:
                unchecked.append(f"{result.ref}: {result.skipped}")
    return Checked(tuple(results), tuple(unchecked), found.integrity, found.network_failed)


@dataclass(frozen=True, slots=True)
class _Found:
    located: dict[str, Located]
    unchecked: tuple[str, ...]
    integrity: tuple[str, ...]
    network_failed: bool


def _locate_all(wanted: list[LockedPackage], plan: Plan, progress: Progress | None) -> _Found:
    store = ArtifactStore()
    located: dict[str, Located] = {}
    unchecked: list[str] = []
    integrity: list[str] = []
    network_failed = False
    with cf.ThreadPoolExecutor(max_workers=8) as pool:
        futures = {pool.submit(locate, pkg, plan, store): pkg for pkg in wanted}
        for done, future in enumerate(cf.as_completed(futures), 1):
            if progress:
                progress("fetch", done, len(futures))
            try:
                located[futures[future].ref.purl] = future.result()
            except IntegrityError as exc:
                integrity.append(exc.message)
            except RegistryError as exc:
                network_failed |= not isinstance(exc, NotFoundError)
                unchecked.append(exc.message)
            except DepshieldError as exc:
                unchecked.append(exc.message)
    return _Found(located, tuple(unchecked), tuple(integrity), network_failed)


def _progress() -> Progress | None:
    """A one-line counter on a terminal: a first install can take minutes of analysis."""
    if not sys.stderr.isatty():
        return None

    def show(stage: str, done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\rdepshield: {stage} {done}/{total}{end}")
        sys.stderr.flush()

    return show


def locate(pkg: LockedPackage, plan: Plan, store: ArtifactStore) -> Located:
    """The artifact to analyse: no network when the store already has it."""
    exact = plan.exact.get(pkg.ref.purl)
    if exact is not None:
        path = store.get(exact.sha256)
        if path is not None:
            return Located(pkg.ref, path, "sha256-" + exact.sha256.lower(), {})
        return _exact(pkg, exact, store)
    if pkg.ecosystem == "npm":
        hit = from_store(pkg, store)
        if hit is not None:
            return hit
    # pypi without a named file: the release file of the plan's kind (the sdist pip would
    # build, or a wheel), never whichever file an earlier scan happened to remember.
    return from_registry(pkg, store, artifact=plan.artifact)


def _exact(pkg: LockedPackage, exact: ExactFile, store: ArtifactStore) -> Located:
    metadata = {}
    try:
        # The registry's own choice brings the release's metadata (history, upload times).
        fetched = from_registry(pkg, store, artifact="wheel")
        if fetched.digest == "sha256-" + exact.sha256.lower():
            return fetched
        metadata = fetched.metadata
    except DepshieldError:
        pass  # an index without the JSON API: the file pip named is what counts
    stored = _download(exact, store, f"{pkg.ref}")
    return Located(pkg.ref, stored.path, stored.digest, metadata)


def _download(exact: ExactFile, store: ArtifactStore, label: str) -> StoredArtifact:
    from collections.abc import Mapping

    import httpx

    what = f"{label} file {exact.url.rsplit('/', 1)[-1].split('#', 1)[0]!r}"

    def verify(hashes: Mapping[str, bytes]) -> None:
        if hashes["sha256"].hex() != exact.sha256.lower():
            raise IntegrityError(
                f"{what} does not match the sha256 pip expects",
                tip="the index or a proxy served other bytes than it published; do not install",
            )

    def save(response: httpx.Response) -> StoredArtifact:
        return store.put_stream(iter_limited(response, MAX_FILE_BYTES, what=what), verify=verify)

    with session() as http:
        return request(http, exact.url.split("#", 1)[0], save, what=what)
