"""The hashes a lockfile records: SRI (`sha512-<base64>`) or pip's `sha256:<hex>`, as digests."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from depshield.lockfiles.base import LockedFile, LockedPackage


def split_hash(recorded: str) -> tuple[str, str]:
    """'sha512-<b64>' (SRI) or 'sha256:<hex>' (pip) -> (algorithm, digest as recorded)."""
    if ":" in recorded and recorded.split(":", 1)[0].isalnum():
        algorithm, _, digest = recorded.partition(":")
        return algorithm.lower(), digest
    algorithm, _, digest = recorded.partition("-")
    return algorithm.lower(), digest


def as_hex(digest: str) -> str:
    """Hex from either hex or base64 text."""
    if all(c in "0123456789abcdefABCDEF" for c in digest):
        return digest.lower()
    try:
        return base64.b64decode(digest).hex()
    except ValueError:
        return digest


def as_b64(digest: str) -> str:
    """Base64 (the SRI form the store's aliases use) from either hex or base64 text."""
    if all(c in "0123456789abcdefABCDEF" for c in digest) and len(digest) in (40, 64, 128):
        return base64.b64encode(bytes.fromhex(digest)).decode()
    return digest


def sha256_digests(pkg: LockedPackage, files: Sequence[LockedFile] = ()) -> list[str]:
    """The lower-case sha256 hex digests the lock records (of `files`, else of the package)."""
    recorded = [h for f in files for h in f.hashes] if files else pkg.hashes
    found = []
    for item in recorded:
        algorithm, digest = split_hash(item)
        if algorithm == "sha256":
            found.append(as_hex(digest))
    return found


def lock_digests(pkg: LockedPackage) -> dict[str, str]:
    """sha256 hex -> the file name the lock gives it ("" when it names no files)."""
    found = {digest: "" for digest in sha256_digests(pkg)}
    for item in pkg.files:
        found.update({digest: item.name for digest in sha256_digests(pkg, [item])})
    return found
