"""The npm registry client: packuments, version resolution and verified tarball downloads."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from depshield.artifacts.store import ArtifactStore, StoredArtifact
from depshield.ecosystems.base import FetchedArtifact
from depshield.ecosystems.npm.config import RegistryConfig, registry_for
from depshield.errors import IntegrityError, NotFoundError, RegistryError, UsageError
from depshield.model import PackageRef
from depshield.net import (
    DEFAULT_RETRY,
    RetryPolicy,
    ensure_online,
    get_json,
    iter_limited,
    request,
    session,
)

MAX_TARBALL_BYTES = 512 * 1024 * 1024
# Strongest first: npm (ssri) checks the strongest algorithm an integrity string offers.
_ALGORITHMS = ("sha512", "sha384", "sha256", "sha1")
_NAME = re.compile(r"^(?:@[A-Za-z0-9][\w.~-]*/)?[\w~-][\w.~-]*$")
_NOT_FOUND_TIP = "check the package name and the registry in your npm config (.npmrc)"

# (algorithm, accepted raw digests) an artifact must match.
Expected = tuple[str, frozenset[bytes]]


def packument_url(registry: str, name: str) -> str:
    """`{registry}/{name}` with a scoped name's '/' escaped, as npm requests it."""
    if not _NAME.match(name):
        raise UsageError(f"invalid npm package name {name!r}")
    return urljoin(registry, name.replace("/", "%2f"))


def get_packument(
    name: str,
    *,
    cwd: Path | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    offline: bool | None = None,
) -> dict[str, Any]:
    """The full packument (all versions, `time`, `maintainers`) from the configured registry."""
    ensure_online(f"npm package {name!r}", offline)
    config = registry_for(name, cwd)
    with session(client) as http:
        return _packument(http, config, name, retry)[1]


def resolve_version(packument: Mapping[str, Any], spec: str | None) -> str:
    """An exact version, a dist-tag or a semver range -> the version npm would pick."""
    import nodesemver

    name = str(packument.get("name", "?"))
    versions: Mapping[str, Any] = packument.get("versions") or {}
    tags: Mapping[str, Any] = packument.get("dist-tags") or {}
    spec = (spec or "").strip() or "latest"
    if spec in versions:
        return spec
    if isinstance(tags.get(spec), str) and tags[spec] in versions:
        return str(tags[spec])
    range_spec = "*" if spec == "latest" else spec
    if nodesemver.valid_range(range_spec, loose=True) is None:
        raise UsageError(f"npm package {name!r}: {spec!r} is not a version, tag or range")
    latest = tags.get("latest")
    # npm-pick-manifest prefers the `latest` tag whenever it satisfies the range.
    if latest in versions and nodesemver.satisfies(latest, range_spec, loose=True):
        return str(latest)
    valid = [v for v in versions if nodesemver.valid(v, loose=True) is not None]
    best = nodesemver.max_satisfying(valid, range_spec, loose=True)
    if best is None:
        raise NotFoundError(
            f"npm package {name!r} has no version matching {spec!r}",
            tip=f"see the published versions with `npm view {name} versions`",
        )
    return str(best)


def fetch(
    ref: PackageRef,
    *,
    cwd: Path | None = None,
    client: httpx.Client | None = None,
    store: ArtifactStore | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    offline: bool | None = None,
    max_bytes: int = MAX_TARBALL_BYTES,
) -> FetchedArtifact:
    """Resolve `ref`, download its tarball into the store (once) and verify its integrity."""
    ensure_online(f"npm:{ref.name}@{ref.version or 'latest'}", offline)
    config = registry_for(ref.name, cwd)
    store = store or ArtifactStore()
    with session(client) as http:
        url, packument = _packument(http, config, ref.name, retry)
        version = resolve_version(packument, ref.version)
        manifest = packument["versions"][version]
        label = f"npm package '{ref.name}@{version}'"
        tarball_url = _tarball_url(url, manifest, label)
        expected = expected_digests(manifest.get("dist") or {})
        stored = stored_tarball(store, expected) or download_tarball(
            http,
            config,
            tarball_url,
            expected,
            store,
            label=label,
            retry=retry,
            max_bytes=max_bytes,
        )
    metadata = {
        **manifest,
        "_history": _history(packument),
        "_packument_time": packument.get("time") or {},
        "_maintainers": packument.get("maintainers") or [],
        "_dist_tags": packument.get("dist-tags") or {},
        "_registry": config.url,
        "_tarball_url": tarball_url,
        "_integrity_verified": expected is not None,
    }
    filename = _filename(tarball_url, ref.name, version)
    resolved = PackageRef("npm", ref.name, version)
    return FetchedArtifact(resolved, stored.path, filename, stored.digest, "tgz", metadata)


def _history(packument: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per version, only what the history signals read (publisher, maintainers, deprecation)."""
    from depshield.ecosystems.npm.history import npm_entry

    versions = packument.get("versions") or {}
    return [npm_entry(v, doc) for v, doc in versions.items() if isinstance(doc, dict)]


def expected_digests(dist: Mapping[str, Any]) -> Expected | None:
    """The strongest digests `dist.integrity` (SRI, maybe several) promises, else `shasum`."""
    found: dict[str, set[bytes]] = {}
    integrity = dist.get("integrity")
    for token in integrity.split() if isinstance(integrity, str) else ():
        algorithm, _, rest = token.partition("-")
        try:
            raw = base64.b64decode(rest.split("?", 1)[0], validate=True)
        except (binascii.Error, ValueError):
            continue
        if algorithm in _ALGORITHMS and raw:
            found.setdefault(algorithm, set()).add(raw)
    for algorithm in _ALGORITHMS:
        if algorithm in found:
            return algorithm, frozenset(found[algorithm])
    shasum = dist.get("shasum")
    try:
        return ("sha1", frozenset({bytes.fromhex(shasum)})) if isinstance(shasum, str) else None
    except ValueError:
        return None


def _packument(
    http: httpx.Client, config: RegistryConfig, name: str, retry: RetryPolicy
) -> tuple[str, dict[str, Any]]:
    url = packument_url(config.url, name)
    headers = {"Authorization": config.auth_header} if config.auth_header else {}
    what = f"npm package {name!r}"
    doc = get_json(http, url, what=what, headers=headers, retry=retry, tip=_NOT_FOUND_TIP)
    if not isinstance(doc, dict) or not isinstance(doc.get("versions"), dict):
        raise RegistryError(f"the registry answered {what} with a document that is no packument")
    return url, doc


def _tarball_url(packument_url: str, manifest: Any, label: str) -> str:
    dist = manifest.get("dist") if isinstance(manifest, dict) else None
    tarball = dist.get("tarball") if isinstance(dist, dict) else None
    if not isinstance(tarball, str) or not tarball:
        raise RegistryError(f"{label} has no dist.tarball in its packument")
    # Mirrors may answer with relative tarball URLs; they are relative to the packument.
    return urljoin(packument_url, tarball)


def stored_tarball(store: ArtifactStore, expected: Expected | None) -> StoredArtifact | None:
    if expected is None:
        return None
    algorithm, digests = expected
    for raw in digests:
        digest = store.get_alias(_alias_key(algorithm, raw))
        path = store.get(digest) if digest else None
        if digest and path:
            return StoredArtifact(digest, path, path.stat().st_size, {algorithm: raw})
    return None


def download_tarball(
    http: httpx.Client,
    config: RegistryConfig,
    url: str,
    expected: Expected | None,
    store: ArtifactStore,
    *,
    label: str,
    retry: RetryPolicy,
    max_bytes: int,
) -> StoredArtifact:
    auth = config.auth_for(url)
    headers = {"Accept": "application/octet-stream", **({"Authorization": auth} if auth else {})}

    def verify(hashes: Mapping[str, bytes]) -> None:
        if expected is not None and hashes[expected[0]] not in expected[1]:
            raise IntegrityError(
                f"{label} tarball does not match its {expected[0]} integrity",
                tip="the registry or a proxy served other bytes than it published; do not use it",
            )

    def save(response: httpx.Response) -> StoredArtifact:
        chunks = iter_limited(response, max_bytes, what=f"{label} tarball")
        return store.put_stream(chunks, algorithms=("sha512", "sha1"), verify=verify)

    stored = request(http, url, save, what=f"{label} tarball", headers=headers, retry=retry)
    for algorithm in ("sha512", "sha1"):
        store.put_alias(_alias_key(algorithm, stored.hashes[algorithm]), stored.digest)
    return stored


def _alias_key(algorithm: str, raw: bytes) -> str:
    return f"{algorithm}-{base64.b64encode(raw).decode()}"


def _filename(url: str, name: str, version: str) -> str:
    base = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    if re.fullmatch(r"[\w.@+-]+", base) and base not in (".", ".."):
        return base
    return f"{name.rsplit('/', 1)[-1]}-{version}.tgz"


def fetch_locked(
    ref: PackageRef,
    integrity: str,
    *,
    cwd: Path | None = None,
    client: httpx.Client | None = None,
    store: ArtifactStore | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    offline: bool | None = None,
    max_bytes: int = MAX_TARBALL_BYTES,
) -> FetchedArtifact:
    """A lockfile entry's tarball straight from the configured registry's standard layout
    (`<registry>/<name>/-/<basename>-<version>.tgz`), checked against the lockfile's own
    integrity: what npm ci does, and no packument to read. NotFoundError when the registry
    lays tarballs out differently (the caller then asks the packument)."""
    ensure_online(f"npm:{ref.name}@{ref.version}", offline)
    expected = expected_digests({"integrity": integrity})
    if expected is None or not ref.version:
        raise NotFoundError(f"npm package '{ref.name}': no usable integrity to fetch by")
    store = store or ArtifactStore()
    config = registry_for(ref.name, cwd)
    basename = ref.name.rsplit("/", 1)[-1]
    url = urljoin(config.url, f"{ref.name}/-/{basename}-{ref.version}.tgz")
    label = f"npm package '{ref.name}@{ref.version}'"
    with session(client) as http:
        stored = stored_tarball(store, expected) or download_tarball(
            http, config, url, expected, store, label=label, retry=retry, max_bytes=max_bytes
        )
    metadata = {"_registry": config.url, "_tarball_url": url, "_integrity_verified": True}
    return FetchedArtifact(
        ref, stored.path, f"{basename}-{ref.version}.tgz", stored.digest, "tgz", metadata
    )
