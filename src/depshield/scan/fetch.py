"""Getting each locked package's artifact: from the store when the lockfile's hash is known
there (no network), else from the registry; then checking it against the lockfile's hash."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from depshield.artifacts.store import ArtifactStore
from depshield.errors import DepshieldError, IntegrityError
from depshield.lockfiles.base import LockedPackage
from depshield.model import PackageRef


@dataclass(frozen=True, slots=True)
class Located:
    ref: PackageRef
    path: Path
    digest: str
    metadata: dict[str, Any]


def ref_alias(ref: PackageRef) -> str:
    """The store alias remembering which file a registry name@version resolved to."""
    return f"ref:{ref.ecosystem}:{ref.name}@{ref.version}"


def from_store(pkg: LockedPackage, store: ArtifactStore) -> Located | None:
    """The artifact without any network: by a lockfile hash, or by an earlier scan's alias."""
    for recorded in pkg.hashes:
        algorithm, digest = _split_hash(recorded)
        if algorithm == "sha256":
            path = store.get(digest)
            if path is not None:
                return Located(pkg.ref, path, "sha256-" + digest, {})
        elif algorithm in ("sha512", "sha1"):
            found = store.get_alias(f"{algorithm}-{_b64(digest)}")
            if found:
                return Located(pkg.ref, store.path_for(found), found, {})
    found = store.get_alias(ref_alias(pkg.ref))
    if found:
        return Located(pkg.ref, store.path_for(found), found, {})
    return None


def from_registry(
    pkg: LockedPackage,
    store: ArtifactStore,
    artifact: str = "default",
    client: httpx.Client | None = None,
) -> Located:
    """Download through the ecosystem plug-in, check the lockfile's hash, remember the alias.

    npm entries with an integrity go straight to the tarball (no packument to download, as
    `npm ci` does); the packument path is the fallback for registries with another layout."""
    from depshield.ecosystems.registry import plugin
    from depshield.errors import NotFoundError

    sri = next((h for h in pkg.hashes if h.startswith(("sha512-", "sha1-"))), None)
    fetched = None
    if pkg.ecosystem == "npm" and sri is not None:
        from depshield.ecosystems.npm.registry import fetch_locked

        try:
            fetched = fetch_locked(pkg.ref, sri, client=client, store=store)
        except NotFoundError:
            fetched = None
    if fetched is None:
        fetched = plugin(pkg.ecosystem).fetch(pkg.ref, artifact=artifact)[0]
    verify_recorded(pkg, fetched.path)
    store.put_alias(ref_alias(pkg.ref), fetched.digest)
    return Located(fetched.ref, fetched.path, fetched.digest, dict(fetched.metadata))


def verify_recorded(pkg: LockedPackage, path: Path) -> None:
    """The lockfile's own hashes must match the artifact (npm: one SRI; pip: any listed file)."""
    if not pkg.hashes:
        return
    wanted: dict[str, set[str]] = {}
    for recorded in pkg.hashes:
        algorithm, digest = _split_hash(recorded)
        if algorithm in hashlib.algorithms_guaranteed:
            wanted.setdefault(algorithm, set()).add(_hex(digest))
    if not wanted:
        return
    hashers = {a: hashlib.new(a) for a in wanted}
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            for h in hashers.values():
                h.update(chunk)
    if any(h.hexdigest() in wanted[a] for a, h in hashers.items()):
        return
    if pkg.ecosystem == "pypi":
        return  # a lock lists hashes of some files; the one we chose may not be among them
    raise IntegrityError(
        f"{pkg.name}@{pkg.version}: the downloaded artifact does not match the lockfile's hash",
        tip="the registry served different bytes than when the lockfile was written; "
        "do not install until you know why",
    )


def _split_hash(recorded: str) -> tuple[str, str]:
    """'sha512-<b64>' (SRI) or 'sha256:<hex>' (pip) -> (algorithm, digest as recorded)."""
    if ":" in recorded and recorded.split(":", 1)[0].isalnum():
        algorithm, _, digest = recorded.partition(":")
        return algorithm.lower(), digest
    algorithm, _, digest = recorded.partition("-")
    return algorithm.lower(), digest


def _hex(digest: str) -> str:
    """Hex from either hex or base64 text."""
    if all(c in "0123456789abcdefABCDEF" for c in digest):
        return digest.lower()
    try:
        return base64.b64decode(digest).hex()
    except ValueError:
        return digest


def _b64(digest: str) -> str:
    """Base64 (the SRI form the store's aliases use) from either hex or base64 text."""
    if all(c in "0123456789abcdefABCDEF" for c in digest) and len(digest) in (40, 64, 128):
        return base64.b64encode(bytes.fromhex(digest)).decode()
    return digest


class FetchFailed(DepshieldError):
    """One package's artifact could not be had; the scan goes on without it."""
