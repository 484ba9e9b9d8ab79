"""PyPI release history from a project document (or fetch metadata), and PEP 440 sort keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from depshield.intel.history import (
    History,
    Release,
    VersionKey,
    count,
    mapping,
    parse_time,
    release,
)
from depshield.model import PackageRef


def version_key(version: str) -> VersionKey:
    """(sort key, (major, minor), is prerelease) of a PEP 440 version; ValueError if invalid."""
    from packaging.version import InvalidVersion, Version

    try:
        v = Version(version)
    except InvalidVersion:
        raise ValueError(version) from None
    parts = (*v.release, 0, 0)
    return (v,), (parts[0], parts[1]), v.is_prerelease


def history(ref: PackageRef, meta: Mapping[str, Any]) -> History:
    """From a whole project document, or from fetch metadata (`info` and a compact `_history`)."""
    info = mapping(meta.get("info")) or meta
    if isinstance(meta.get("releases"), Mapping):  # a whole project document
        entries: list[Mapping[str, Any]] = [
            pypi_entry(v, files) for v, files in meta["releases"].items()
        ]
    else:  # fetch metadata: this release's `info`, a compact `_history` of every release
        entries = [e for e in meta.get("_history") or () if isinstance(e, Mapping)]
    releases: dict[str, Release] = {}
    for e in entries:
        r = _pypi_release(str(e.get("version")), e)
        if r is not None:
            releases[r.version] = r
    current = releases.get(ref.version or "")
    if current is None and ref.version and not entries:
        current = release(version_key, ref.version)  # all we know is the release itself
    # A mirror's answer built from the project document carries the latest release's `info`.
    own_info = info.get("version") == getattr(current, "version", None)
    if current is not None and own_info and not info.get("_info_of_latest"):
        # The release's own document says whether (and why) it is yanked.
        yanked = current.yanked or bool(meta.get("yanked") or info.get("yanked"))
        reason = current.yanked_reason or _reason(info)
        current = replace(current, yanked=yanked, yanked_reason=reason)
    if current is not None:
        releases[current.version] = current
    weekly = mapping(info.get("downloads")).get("last_week")  # -1: the index does not count
    return History(
        "pypi",
        tuple(sorted(releases.values(), key=lambda r: r.key)),
        current,
        bool(entries),
        True,  # upload times come from the index itself
        downloads=count(meta.get("_downloads")) if "_downloads" in meta else count(weekly),
    )


def pypi_entry(version: str, files: Any) -> dict[str, Any]:
    """The compact history entry of one release's file list (what fetch keeps in `_history`)."""
    items = [f for f in files if isinstance(f, Mapping)] if isinstance(files, list) else []
    times = [t for f in items if (t := f.get("upload_time_iso_8601") or f.get("upload_time"))]
    reasons = [f.get("yanked_reason") for f in items if f.get("yanked_reason")]
    return {
        "version": version,
        "time": min(times) if times else None,
        "files": len(items),
        "yanked": bool(items) and all(f.get("yanked") for f in items),
        "yanked_reason": reasons[0] if reasons else None,
    }


def _pypi_release(version: str, e: Mapping[str, Any]) -> Release | None:
    reason = e.get("yanked_reason")
    return release(
        version_key,
        version,
        published=parse_time(e.get("time")),
        yanked=bool(e.get("yanked")),
        yanked_reason=reason if isinstance(reason, str) and reason else None,
        files=e.get("files") if isinstance(e.get("files"), int) else None,
    )


def _reason(info: Mapping[str, Any]) -> str | None:
    reason = info.get("yanked_reason")
    return reason if isinstance(reason, str) and reason else None
