"""The content-addressed artifact store: files named by their sha256, written atomically."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from depshield.errors import DepshieldError

_HEX = re.compile(r"^[0-9a-f]{64}$")
_STALE_TEMP_SECONDS = 24 * 3600

# Called with every algorithm's raw digest before the file is committed; raise to refuse it.
Verifier = Callable[[Mapping[str, bytes]], None]


@dataclass(frozen=True, slots=True)
class StoredArtifact:
    digest: str  # "sha256-<hex>"
    path: Path
    size: int
    hashes: Mapping[str, bytes]  # algorithm -> raw digest, sha256 always included


class ArtifactStore:
    """`<root>/sha256/<2 hex>/<hex>`; temp files live in `<root>/tmp` on the same file system so
    `os.replace` is atomic: a killed or concurrent download never leaves a partial file behind."""

    def __init__(self, root: Path | None = None) -> None:
        if root is None:
            from depshield.home import depshield_home

            root = depshield_home() / "artifacts"
        self.root = root

    def path_for(self, digest: str) -> Path:
        hexdigest = _hex(digest)
        return self.root / "sha256" / hexdigest[:2] / hexdigest

    def get(self, digest: str) -> Path | None:
        """The stored file for `digest` ("sha256-<hex>" or bare hex), or None."""
        path = self.path_for(digest)
        return path if path.is_file() else None

    def put_bytes(self, data: bytes, *, verify: Verifier | None = None) -> StoredArtifact:
        return self.put_stream([data], verify=verify)

    def put_stream(
        self,
        chunks: Iterable[bytes],
        *,
        algorithms: Sequence[str] = (),
        verify: Verifier | None = None,
    ) -> StoredArtifact:
        """Write `chunks` to the store, hashing them with sha256 plus `algorithms`; if `verify`
        (or reading `chunks`) raises, nothing is stored and the exception propagates."""
        hashers = {name: hashlib.new(name) for name in ("sha256", *algorithms)}
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="dl-", suffix=".part")
        tmp = Path(tmp_name)
        try:
            size = 0
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                    size += len(chunk)
                    for hasher in hashers.values():
                        hasher.update(chunk)
                out.flush()
                os.fsync(out.fileno())
            hashes = {name: hasher.digest() for name, hasher in hashers.items()}
            if verify is not None:
                verify(hashes)
            digest = "sha256-" + hashes["sha256"].hex()
            final = self.path_for(digest)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp, 0o644)
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return StoredArtifact(digest, final, size, hashes)

    def put_alias(self, key: str, digest: str) -> None:
        """Remember that `key` (an SRI like "sha512-...") names the file stored as `digest`."""
        _hex(digest)
        alias = self._alias_path(key)
        alias.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=alias.parent, prefix=".alias-")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(digest)
            os.replace(tmp_name, alias)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def get_alias(self, key: str) -> str | None:
        """The digest stored for `key` if its file is still present, else None."""
        try:
            with open(self._alias_file(key), encoding="ascii") as alias:
                digest = alias.read().strip()
            return digest if self.get(digest) else None
        except (OSError, StoreError):
            return None

    def clean_temp(self, older_than: float = _STALE_TEMP_SECONDS) -> int:
        """Delete temp files left by killed downloads; returns how many were removed."""
        removed = 0
        cutoff = time.time() - older_than
        for tmp in (self.root / "tmp").glob("dl-*.part"):
            with contextlib.suppress(OSError):
                if tmp.stat().st_mtime < cutoff:
                    tmp.unlink()
                    removed += 1
        return removed

    def _alias_path(self, key: str) -> Path:
        return Path(self._alias_file(key))

    def _alias_file(self, key: str) -> str:
        # Keys hold '/' and '+' (base64), so the file name is a hash of the key. A plain string
        # join: a scan asks this twice per package (100,000 of them, issue 17).
        name = hashlib.sha256(key.encode()).hexdigest()
        return os.path.join(self.root, "aliases", name[:2], name)


class StoreError(DepshieldError):
    """A digest that is not a sha256 digest."""


def _hex(digest: str) -> str:
    hexdigest = digest.removeprefix("sha256-").lower()
    if not _HEX.match(hexdigest):
        raise StoreError(f"not a sha256 digest: {digest!r}")
    return hexdigest
