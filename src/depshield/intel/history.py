"""A package's release history as the metadata signals read it; each ecosystem plug-in builds it
from what its registry said (ecosystems/*/history.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

VersionKey = tuple[tuple[Any, ...], tuple[int, int], bool]


@dataclass(frozen=True, slots=True)
class Release:
    """One version as the registry lists it; None means the document did not say."""

    version: str
    key: tuple[Any, ...]  # sorts releases in version order
    line: tuple[int, int]  # (major, minor): the release line for backport-aware checks
    prerelease: bool
    published: datetime | None = None
    publisher: str | None = None
    maintainers: frozenset[str] | None = None  # account names, when the document lists accounts
    deprecated: str | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    files: int | None = None  # PyPI: how many files the release still has


@dataclass(frozen=True, slots=True)
class History:
    """Every parseable release in version order, and what the document says about them."""

    ecosystem: str
    releases: tuple[Release, ...]
    current: Release | None  # the analysed version, None when the document does not list it
    complete: bool  # the document listed the package's versions, not just this one
    times_trusted: bool  # publish times are the registry's own (see docs/metadata-signals.md)
    unpublished: bool = False  # npm `time.unpublished`: the whole package was taken down
    downloads: int | None = None  # weekly downloads, when a source gave them

    def lower(self) -> list[Release]:
        """Releases below the current one, nearest first."""
        if self.current is None:
            return []
        key = self.current.key
        return sorted((r for r in self.releases if r.key < key), key=lambda r: r.key, reverse=True)


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def release(key_of: Callable[[str], VersionKey], version: str, **facts: Any) -> Release | None:
    """A release with its version's sort key, or None when the version does not parse."""
    try:
        key, line, pre = key_of(version)
    except ValueError:
        return None
    return Release(version, key, line, pre, **facts)


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
