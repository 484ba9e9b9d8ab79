"""One OSV `affected[]` entry compiled for matching: its ranges and its explicit `versions`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from depshield.vulns.ranges import EVERY_VERSION, Hit, Key, Range, compile_range, first_fix_above
from depshield.vulns.versions import Scheme, ecosystem_scheme, version_key

KeyOf = Callable[[Scheme], Key | None]


@dataclass(frozen=True, slots=True)
class AffectedEntry:
    """One `affected[]` entry for the package looked up."""

    scheme: Scheme  # the ecosystem's ordering, used for the `versions` list
    ranges: tuple[Range, ...] = ()
    versions: frozenset[Any] = frozenset()  # keys of the listed versions that parse
    version_texts: frozenset[str] = frozenset()  # the listed versions as written
    everything: bool = False  # some range is `introduced: "0"` alone


def compile_entry(raw: Mapping[str, Any], ecosystem: str, notes: list[str]) -> AffectedEntry:
    """Compile an `affected[]` entry; unusable parts are dropped with a note, never raised."""
    scheme = ecosystem_scheme(ecosystem) or "semver"
    raw_ranges = raw.get("ranges")
    ranges = tuple(
        compiled
        for compiled in (
            compile_range(r, ecosystem, notes)
            for r in (raw_ranges if isinstance(raw_ranges, list) else [])
        )
        if compiled is not None
    )
    raw_versions = raw.get("versions")
    texts = frozenset(
        v for v in (raw_versions if isinstance(raw_versions, list) else []) if isinstance(v, str)
    )
    keys = frozenset(k for k in (version_key(scheme, v) for v in texts) if k is not None)
    return AffectedEntry(scheme, ranges, keys, texts, any(r.everything for r in ranges))


def entry_hit(entry: AffectedEntry, version: str | None, key_of: KeyOf) -> Hit | None:
    """IsVulnerable of the OSV schema for one entry: in some range, or in the `versions` list."""
    if entry.everything:
        # `introduced: "0"` alone holds for any version, even one that cannot be parsed or none.
        return EVERY_VERSION
    if version is None:
        return None
    for rng in entry.ranges:
        key = key_of(rng.scheme)
        if key is not None:
            found = rng.hit(key)
            if found is not None:
                return found
    own = key_of(entry.scheme)
    if version in entry.version_texts or (own is not None and own in entry.versions):
        fixes = [
            fix
            for fix in (first_fix_above(r, own) for r in entry.ranges if own is not None)
            if fix is not None
        ]
        first = min(fixes, key=lambda f: version_key(entry.scheme, f) or ()) if fixes else None
        return Hit(f"version {version} is listed as affected", first)
    return None
