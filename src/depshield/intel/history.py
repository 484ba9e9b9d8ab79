"""A package's release history read from what the registry said (npm packument, PyPI JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from depshield.model import PackageRef

# npm account names are URL-safe and lower case; "Jane Doe" is an author-declared name, not one.
_NPM_ACCOUNT = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-._~")


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


def history_of(ref: PackageRef, metadata: Mapping[str, Any]) -> History | None:
    """The history from fetch metadata or a whole registry document; None if it is neither."""
    if ref.ecosystem == "npm":
        return _npm(ref, metadata)
    if ref.ecosystem == "pypi":
        return _pypi(ref, metadata)
    return None


def version_key(ecosystem: str, version: str) -> tuple[tuple[Any, ...], tuple[int, int], bool]:
    """(sort key, (major, minor), is prerelease) of a version; ValueError when it is invalid."""
    if ecosystem == "pypi":
        from packaging.version import InvalidVersion, Version

        try:
            v = Version(version)
        except InvalidVersion:
            raise ValueError(version) from None
        release = (*v.release, 0, 0)
        return (v,), (release[0], release[1]), v.is_prerelease
    import nodesemver

    try:
        s = nodesemver.make_semver(version, loose=True)
    except Exception:  # the port raises odd types on odd input
        raise ValueError(version) from None
    # semver: a prerelease sorts before its release; numeric identifiers before alphanumeric.
    pre = tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in s.prerelease)
    key = (s.major, s.minor, s.patch, 0 if pre else 1, pre)
    return key, (s.major, s.minor), bool(pre)


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _release(ecosystem: str, version: str, **facts: Any) -> Release | None:
    try:
        key, line, pre = version_key(ecosystem, version)
    except ValueError:
        return None
    return Release(version, key, line, pre, **facts)


def _npm(ref: PackageRef, meta: Mapping[str, Any]) -> History:
    if isinstance(meta.get("versions"), Mapping):  # a whole packument
        docs: Mapping[str, Any] = meta["versions"]
        entries: list[Mapping[str, Any]] = [
            npm_entry(v, d) for v, d in docs.items() if isinstance(d, Mapping)
        ]
        current_doc = docs.get(ref.version or "")
        times = _mapping(meta.get("time"))
        complete = True
    else:  # fetch metadata: this version's document, a compact `_history` of the others
        entries = [e for e in meta.get("_history") or () if isinstance(e, Mapping)]
        current_doc = meta
        times = _mapping(meta.get("_packument_time"))
        complete = bool(entries)
    # The registry's own `time` always has `created` and `modified`; a document without them was
    # rebuilt by a mirror, whose times are when it copied each version, not when it was published.
    trusted = "created" in times and "modified" in times
    used = times if trusted else {}
    releases: dict[str, Release] = {}
    for e in entries:
        r = _npm_release(str(e.get("version")), e, used)
        if r is not None:
            releases[r.version] = r
    current = None
    if isinstance(current_doc, Mapping) and ref.version:
        current = _npm_release(ref.version, npm_entry(ref.version, current_doc), used)
        if current is not None:
            releases[current.version] = current
    return History(
        "npm",
        tuple(sorted(releases.values(), key=lambda r: r.key)),
        current,
        complete,
        trusted,
        unpublished=trusted and "unpublished" in times,
        downloads=_int(meta.get("_downloads")),
    )


def npm_entry(version: str, doc: Mapping[str, Any]) -> dict[str, Any]:
    """The compact history entry of one version document (what fetch keeps in `_history`)."""
    user = doc.get("_npmUser")
    publisher = user.get("name") if isinstance(user, Mapping) else None
    maintainers = doc.get("maintainers")
    names = None
    if isinstance(maintainers, list) and maintainers:
        names = [m.get("name") if isinstance(m, Mapping) else m for m in maintainers]
    deprecated = doc.get("deprecated")
    return {
        "version": version,
        "publisher": publisher if isinstance(publisher, str) and publisher else None,
        "maintainers": names,
        "deprecated": deprecated if isinstance(deprecated, str) and deprecated else None,
    }


def _npm_release(version: str, e: Mapping[str, Any], times: Mapping[str, Any]) -> Release | None:
    return _release(
        "npm",
        version,
        published=parse_time(times.get(version)),
        publisher=e.get("publisher") if isinstance(e.get("publisher"), str) else None,
        maintainers=_accounts(e.get("maintainers")),
        deprecated=e.get("deprecated") if isinstance(e.get("deprecated"), str) else None,
    )


def _accounts(names: Any) -> frozenset[str] | None:
    """Maintainer names, only when every one can be an npm account (else they are authors')."""
    if not isinstance(names, list) or not names:
        return None
    if not all(isinstance(n, str) and n and set(n) <= _NPM_ACCOUNT for n in names):
        return None
    return frozenset(names)


def _pypi(ref: PackageRef, meta: Mapping[str, Any]) -> History:
    info = _mapping(meta.get("info")) or meta
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
        current = _release("pypi", ref.version)  # all we know is the release itself
    # A mirror's answer built from the project document carries the latest release's `info`.
    own_info = info.get("version") == getattr(current, "version", None)
    if current is not None and own_info and not info.get("_info_of_latest"):
        # The release's own document says whether (and why) it is yanked.
        yanked = current.yanked or bool(meta.get("yanked") or info.get("yanked"))
        reason = current.yanked_reason or _reason(info)
        current = replace(current, yanked=yanked, yanked_reason=reason)
    if current is not None:
        releases[current.version] = current
    weekly = _mapping(info.get("downloads")).get("last_week")  # -1: the index does not count
    return History(
        "pypi",
        tuple(sorted(releases.values(), key=lambda r: r.key)),
        current,
        bool(entries),
        True,  # upload times come from the index itself
        downloads=_int(meta.get("_downloads")) if "_downloads" in meta else _int(weekly),
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
    return _release(
        "pypi",
        version,
        published=parse_time(e.get("time")),
        yanked=bool(e.get("yanked")),
        yanked_reason=reason if isinstance(reason, str) and reason else None,
        files=e.get("files") if isinstance(e.get("files"), int) else None,
    )


def _reason(info: Mapping[str, Any]) -> str | None:
    reason = info.get("yanked_reason")
    return reason if isinstance(reason, str) and reason else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
