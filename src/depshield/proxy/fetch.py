"""The work behind one artifact, run in a thread: take it from the store or download it (verified
against what the upstream document promised), then analyse it (cached by digest) and judge it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from depshield.api import analyze_artifact
from depshield.artifacts.store import ArtifactStore, StoredArtifact
from depshield.cache import Cache
from depshield.ecosystems.npm.config import RegistryConfig, nerf_dart
from depshield.ecosystems.npm.registry import download_tarball, expected_digests, stored_tarball
from depshield.errors import DepshieldError, IntegrityError
from depshield.model import PackageRef
from depshield.net import DEFAULT_RETRY, iter_limited, request, session
from depshield.proxy.gate import Judged
from depshield.proxy.settings import ProxySettings


def npm_tarball(
    settings: ProxySettings,
    ref: PackageRef,
    url: str,
    dist: Mapping[str, Any],
    auth: str | None,
    metadata: Mapping[str, Any],
) -> Judged:

    store = ArtifactStore(settings.home / "artifacts")
    expected = expected_digests(dist)
    if expected is None:
        return Judged(None, None, None, "its packument promises no integrity or shasum")
    try:
        stored = stored_tarball(store, expected)
        if stored is None:
            config = RegistryConfig(url, auth, {nerf_dart(url): auth} if auth else {})
            with session() as http:
                stored = download_tarball(
                    http,
                    config,
                    url,
                    expected,
                    store,
                    label=str(ref),
                    retry=DEFAULT_RETRY,
                    max_bytes=settings.max_artifact_bytes,
                )
    except DepshieldError as exc:
        return Judged(None, None, None, exc.message)
    return _analysed(settings, ref, stored, metadata)


def pypi_file(
    settings: ProxySettings, ref: PackageRef, url: str, sha256: str | None, auth: str | None
) -> Judged:

    if not sha256:
        return Judged(None, None, None, "the index gives no sha256 for the file")
    store = ArtifactStore(settings.home / "artifacts")
    path = store.get(sha256)
    if path is not None:
        stored = StoredArtifact("sha256-" + sha256.lower(), path, path.stat().st_size, {})
        return _analysed(settings, ref, stored, {})
    what = f"{ref} file {url.rsplit('/', 1)[-1]!r}"

    def verify(hashes: Mapping[str, bytes]) -> None:
        if hashes["sha256"].hex() != sha256.lower():
            raise IntegrityError(f"{what} does not match the sha256 the index published")

    def save(response: Any) -> StoredArtifact:
        chunks = iter_limited(response, settings.max_artifact_bytes, what=what)
        return store.put_stream(chunks, verify=verify)

    headers = {"Authorization": auth} if auth else {}
    try:
        with session() as http:
            stored = request(http, url, save, what=what, headers=headers)
    except DepshieldError as exc:
        return Judged(None, None, None, exc.message)
    return _analysed(settings, ref, stored, {})


def _analysed(
    settings: ProxySettings, ref: PackageRef, stored: StoredArtifact, metadata: Mapping[str, Any]
) -> Judged:

    cache = Cache(settings.home / "cache.sqlite")
    try:
        result = analyze_artifact(
            stored.path,
            ecosystem=ref.ecosystem,
            ref=ref,
            policy=settings.policy,
            digest=stored.digest,
            cache=cache,
            metadata=metadata or None,
        )
    except DepshieldError as exc:
        return Judged(stored.path, stored.digest, None, exc.message)
    finally:
        cache.close()
    return Judged(Path(stored.path), stored.digest, result)
