"""Getting each locked package's artifact: from the store when the lockfile's hash is known
there (no network), else from the registry; then checking it against the lockfile's hash.

Where a release has several files (`release_files`, PyPI), the file analysed is the one the
installer would take (`artifact="install"`): among the files the lock names, the wheel for this
machine, else the sdist (the plug-in's `locked_file`, ecosystems/pypi/choice.py)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from depshield.artifacts.store import ArtifactStore
from depshield.ecosystems.plugins import plugin
from depshield.errors import DepshieldError, IntegrityError
from depshield.lockfiles.base import LockedFile, LockedPackage
from depshield.lockfiles.hashes import as_b64, as_hex, sha256_digests, split_hash
from depshield.model import PackageRef


@dataclass(frozen=True, slots=True)
class Located:
    ref: PackageRef
    path: Path
    digest: str
    metadata: dict[str, Any]
    artifact: str | None = None  # the file analysed ("x-1.0-py3-none-any.whl") when known


def ref_alias(ref: PackageRef, artifact: str | None = None) -> str:
    """The store alias remembering which file a registry name@version resolved to (for one
    artifact choice where a release has several files)."""
    alias = f"ref:{ref.ecosystem}:{ref.name}@{ref.version}"
    return f"{alias}#{artifact}" if artifact else alias


def from_store(
    pkg: LockedPackage, store: ArtifactStore, artifact: str = "install"
) -> Located | None:
    """The artifact without any network: by a lockfile hash, or by an earlier scan's alias.

    Where a release has several files, only the file `artifact` chooses counts, never whichever
    release file happens to be stored, so a warm scan analyses the same file as the cold one."""
    eco = plugin(pkg.ecosystem)
    if eco.release_files:
        return _chosen_from_store(pkg, store, artifact, eco.locked_file(pkg, artifact))
    for recorded in pkg.hashes:
        algorithm, digest = split_hash(recorded)
        if algorithm == "sha256":
            path = store.get(digest)
            if path is not None:
                return Located(pkg.ref, path, "sha256-" + digest, {})
        elif algorithm in ("sha512", "sha1"):
            found = store.get_alias(f"{algorithm}-{as_b64(digest)}")
            if found:
                return Located(pkg.ref, store.path_for(found), found, {})
    found = store.get_alias(ref_alias(pkg.ref))
    if found:
        return Located(pkg.ref, store.path_for(found), found, {})
    return None


def _chosen_from_store(
    pkg: LockedPackage, store: ArtifactStore, artifact: str, chosen: LockedFile | None
) -> Located | None:
    digests = sha256_digests(pkg, [chosen]) if chosen is not None else []
    if chosen is not None and digests:
        path = store.get(digests[0])
        return Located(pkg.ref, path, "sha256-" + digests[0], {}, chosen.name) if path else None
    # No file named with a sha256: the file an earlier scan chose with the same rule.
    found = store.get_alias(ref_alias(pkg.ref, artifact))
    return Located(pkg.ref, store.path_for(found), found, {}) if found else None


def from_registry(
    pkg: LockedPackage,
    store: ArtifactStore,
    artifact: str = "default",
    client: httpx.Client | None = None,
) -> Located:
    """Download through the ecosystem plug-in (the way its package manager uses what the lock
    records, else a plain fetch), check the lockfile's hash, remember the alias."""
    eco = plugin(pkg.ecosystem)
    fetched = eco.fetch_locked(pkg, artifact=artifact, client=client, store=store)
    if fetched is None:
        fetched = eco.fetch(pkg.ref, artifact=artifact)[0]
    verify_recorded(pkg, fetched.path, fetched.digest)
    several = eco.release_files
    store.put_alias(ref_alias(pkg.ref, artifact if several else None), fetched.digest)
    # Where a release has several files the result names the one analysed; otherwise results
    # keep the store's name, which is also all a warm rescan knows.
    name = fetched.filename if several else None
    return Located(fetched.ref, fetched.path, fetched.digest, dict(fetched.metadata), name)


def verify_recorded(pkg: LockedPackage, path: Path, digest: str | None = None) -> None:
    """The lockfile's own hashes must match the artifact (npm: one SRI; pip: any listed file).

    `digest`: the store's "sha256-<hex>" of the file, computed as it was written; when the lock
    lists it the file need not be read again."""
    if not pkg.hashes:
        return
    if digest and digest.removeprefix("sha256-") in sha256_digests(pkg):
        return
    wanted: dict[str, set[str]] = {}
    for recorded in pkg.hashes:
        algorithm, digest = split_hash(recorded)
        if algorithm in hashlib.algorithms_guaranteed:
            wanted.setdefault(algorithm, set()).add(as_hex(digest))
    if not wanted:
        return
    hashers = {a: hashlib.new(a) for a in wanted}
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            for h in hashers.values():
                h.update(chunk)
    if any(h.hexdigest() in wanted[a] for a, h in hashers.items()):
        return
    if plugin(pkg.ecosystem).release_files and not sha256_digests(pkg):
        return  # only other algorithms' digests, of files other than the one chosen
    raise IntegrityError(
        f"{pkg.name}@{pkg.version}: the downloaded artifact does not match the lockfile's hash",
        tip="the registry served different bytes than when the lockfile was written; "
        "do not install until you know why",
    )


class FetchFailed(DepshieldError):
    """One package's artifact could not be had; the scan goes on without it."""
