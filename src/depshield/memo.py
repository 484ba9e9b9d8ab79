"""Derived tables kept in DEPSHIELD_HOME/memo so that one short process does not rebuild them."""

from __future__ import annotations

import os
from pathlib import Path


def memo_path(name: str) -> Path:
    """Where the memo `name` lives; names carry a digest or stamp of what they were built from."""
    from depshield.home import depshield_home

    return depshield_home() / "memo" / name


def read(name: str) -> bytes | None:
    try:
        return memo_path(name).read_bytes()
    except OSError:
        return None


def write(name: str, data: bytes) -> None:
    """Write atomically (a concurrent writer only repeats the work); a read-only home only
    means building the table again next time."""
    path = memo_path(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        pass
