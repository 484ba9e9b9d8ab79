"""npm release history from a packument (or fetch metadata), and semver sort keys."""

from __future__ import annotations

from collections.abc import Mapping
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

# npm account names are URL-safe and lower case; "Jane Doe" is an author-declared name, not one.
_NPM_ACCOUNT = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-._~")


def version_key(version: str) -> VersionKey:
    """(sort key, (major, minor), is prerelease) of a semver version; ValueError if invalid."""
    import nodesemver

    try:
        s = nodesemver.make_semver(version, loose=True)
    except Exception:  # the port raises odd types on odd input
        raise ValueError(version) from None
    # semver: a prerelease sorts before its release; numeric identifiers before alphanumeric.
    pre = tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in s.prerelease)
    key = (s.major, s.minor, s.patch, 0 if pre else 1, pre)
    return key, (s.major, s.minor), bool(pre)


def history(ref: PackageRef, meta: Mapping[str, Any]) -> History:
    """From a whole packument, or from fetch metadata (this version and a compact `_history`)."""
    if isinstance(meta.get("versions"), Mapping):  # a whole packument
        docs: Mapping[str, Any] = meta["versions"]
        entries: list[Mapping[str, Any]] = [
            npm_entry(v, d) for v, d in docs.items() if isinstance(d, Mapping)
        ]
        current_doc = docs.get(ref.version or "")
        times = mapping(meta.get("time"))
        complete = True
    else:  # fetch metadata: this version's document, a compact `_history` of the others
        entries = [e for e in meta.get("_history") or () if isinstance(e, Mapping)]
        current_doc = meta
        times = mapping(meta.get("_packument_time"))
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
        downloads=count(meta.get("_downloads")),
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
    return release(
        version_key,
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
