"""Registry documents read while resolving ranges: one per process, whichever branch of the
dependency tree asks first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_DOCS: dict[tuple[str, ...], Any] = {}


def once(key: tuple[str, ...], load: Callable[[], Any]) -> Any:
    if key not in _DOCS:
        _DOCS[key] = load()
    return _DOCS[key]
