"""Getting each locked package's artifact: from the store when the lockfile's hash is known
there (no network), else from the registry; then checking it against the lockfile's hash.

PyPI: the file analysed is the one the installer would take (`artifact="install"`): among the
files the lock names, the wheel for this machine, else the sdist (ecosystems/pypi/choice.py)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from depshield.artifacts.store import ArtifactStore
from depshield.errors import DepshieldError, IntegrityError
from depshield.lockfiles.base import LockedFile, LockedPackage
from depshield.model import PackageRef


@dataclass(frozen=True, slots=True)
class Located:
    ref: PackageRef
    path: Path
    digest: str
    metadata: dict[str, Any]
    artifact: str | None = None  # the file analysed ("x-1.0-py3-none-any.whl") when known


def ref_alias(ref: PackageRef, artifact: str | None = None) -> str:
    """The store alias remembering which file a registry name@version resolved to (PyPI: for
    one artifact choice, since a release has several files)."""
    alias = f"ref:{ref.ecosystem}:{ref.name}@{ref.version}"
    return f"{alias}#{artifact}" if artifact else alias


def from_store(
    pkg: LockedPackage, store: ArtifactStore, artifact: str = "install"
) -> Located | None:
    """The artifact without any network: by a lockfile hash, or by an earlier scan's alias.

    PyPI: only the file `artifact` chooses counts, never whichever release file happens to be
    stored, so a warm scan analyses the same file as the cold one."""
    if pkg.ecosystem == "pypi":
        return _pypi_from_store(pkg, store, artifact)
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


def locked_choice(pkg: LockedPackage, artifact: str = "install") -> LockedFile | None:
    """The file of those the lock names that `artifact` picks ("install", else the sdist
    first), or None when the lock names none (then the index's listing decides)."""
    from depshield.ecosystems.pypi.choice import SDIST, install_rank

    def key(item: LockedFile) -> tuple[bool, tuple[int, int, str]]:
        rank = install_rank(item.name)
        return (artifact != "install" and rank[0] != SDIST, rank)

    return min(pkg.files, key=key, default=None)


def sha256_digests(pkg: LockedPackage, files: Sequence[LockedFile] = ()) -> list[str]:
    """The lower-case sha256 hex digests the lock records (of `files`, else of the package)."""
    recorded = [h for f in files for h in f.hashes] if files else pkg.hashes
    found = []
    for item in recorded:
        algorithm, digest = _split_hash(item)
        if algorithm == "sha256":
            found.append(_hex(digest))
    return found


def _lock_digests(pkg: LockedPackage) -> dict[str, str]:
    """sha256 hex -> the file name the lock gives it ("" when it names no files)."""
    found = {digest: "" for digest in sha256_digests(pkg)}
    for item in pkg.files:
        found.update({digest: item.name for digest in sha256_digests(pkg, [item])})
    return found


def _pypi_from_store(pkg: LockedPackage, store: ArtifactStore, artifact: str) -> Located | None:
    chosen = locked_choice(pkg, artifact)
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
    if pkg.ecosystem == "pypi":
        from depshield.ecosystems.pypi.index import fetch

        # Only the files the lock names are candidates: what a hash-checking install accepts.
        only = _lock_digests(pkg)
        fetched = fetch(pkg.ref, artifact=artifact, client=client, store=store, only=only)[0]
    elif fetched is None:
        fetched = plugin(pkg.ecosystem).fetch(pkg.ref, artifact=artifact)[0]
    verify_recorded(pkg, fetched.path, fetched.digest)
    pypi = pkg.ecosystem == "pypi"
    store.put_alias(ref_alias(pkg.ref, artifact if pypi else None), fetched.digest)
    # PyPI names the file (a release has several); npm results keep the store's name, which is
    # also all a warm rescan knows.
    name = fetched.filename if pypi else None
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
    if pkg.ecosystem == "pypi" and not sha256_digests(pkg):
        return  # only other algorithms' digests, of files other than the one chosen
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
