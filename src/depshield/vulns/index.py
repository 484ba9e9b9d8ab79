"""All records of one package name, with match results memoised per version position."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

from depshield.vulns.affected import KeyOf, entry_hit
from depshield.vulns.base import Vulnerability
from depshield.vulns.merge import RecordHit, merge_hits
from depshield.vulns.ranges import EVERY_VERSION, Key
from depshield.vulns.records import CompiledRecord
from depshield.vulns.versions import Scheme


@dataclass(frozen=True, slots=True)
class _Result:
    hits: tuple[RecordHit, ...]
    vulnerabilities: tuple[Vulnerability, ...]
    matched: frozenset[int]  # indexes of the records hit
    notes: tuple[str, ...]


class NameIndex:
    """Range answers depend only on where a version falls among the event versions of the
    name's ranges, so they are computed once per position and shared by every version there
    (a package with hundreds of advisories is then matched in microseconds). Explicit
    `versions` lists are exact strings, so they are checked for each version."""

    def __init__(self, records: Sequence[CompiledRecord], scheme: Scheme) -> None:
        self.records = tuple(records)
        self.scheme = scheme  # the ecosystem's ordering (for `versions` lists)
        keys: dict[Scheme, set[Key]] = {}
        self._listed: dict[object, set[int]] = {}
        for number, record in enumerate(self.records):
            for entry, _ in record.entries:
                for rng in entry.ranges:
                    keys.setdefault(rng.scheme, set()).update(rng.keys)
                for listed in (*entry.versions, *entry.version_texts):
                    self._listed.setdefault(listed, set()).add(number)
        self._schemes = tuple(sorted(keys))
        self._keys = {scheme: sorted(found) for scheme, found in keys.items()}
        self._memo: dict[tuple[int | None, ...], _Result] = {}

    def match(
        self, version: str | None, key_of: KeyOf
    ) -> tuple[tuple[Vulnerability, ...], tuple[str, ...]]:
        """The merged vulnerabilities for `version` and the notes of the records that hit."""
        signature: tuple[int | None, ...] = ()
        if version is not None:
            signature = tuple([_place(self._keys[s], key_of(s)) for s in self._schemes])
        result = self._memo.get(signature)
        if result is None:
            result = self._memo[signature] = self._ranges_only(version, key_of)
        extra = self._listed_only(version, key_of, result.matched)
        if not extra:
            return result.vulnerabilities, result.notes
        notes = result.notes + tuple(n for h in extra for n in h.record.notes)
        return tuple(merge_hits([*result.hits, *extra])), notes

    def _ranges_only(self, version: str | None, key_of: KeyOf) -> _Result:
        hits = []
        matched = set()
        for number, record in enumerate(self.records):
            hit = _range_hit(record, version, key_of)
            if hit is not None:
                hits.append(hit)
                matched.add(number)
        notes = tuple(n for h in hits for n in h.record.notes)
        return _Result(tuple(hits), tuple(merge_hits(hits)), frozenset(matched), notes)

    def _listed_only(
        self, version: str | None, key_of: KeyOf, matched: frozenset[int]
    ) -> list[RecordHit]:
        if version is None or not self._listed:
            return []
        by_text = self._listed.get(version)
        by_key = self._listed.get(key_of(self.scheme))
        if not by_text and not by_key:
            return []
        numbers = (by_text or set()) | (by_key or set())
        extra = []
        for number in sorted(numbers - matched):
            record = self.records[number]
            for entry, severity in record.entries:
                hit = entry_hit(entry, version, key_of)
                if hit is not None:
                    extra.append(RecordHit(record, severity, hit))
                    break
        return extra


def _place(keys: list[Key], key: Key | None) -> int | None:
    """Where `key` falls among sorted `keys`: 2i+1 when equal to keys[i], 2i when just below."""
    if key is None:
        return None
    index = bisect_left(keys, key)
    return 2 * index + (1 if index < len(keys) and keys[index] == key else 0)


def _range_hit(record: CompiledRecord, version: str | None, key_of: KeyOf) -> RecordHit | None:
    """The first entry of `record` whose ranges hold `version` (lists are checked apart)."""
    for entry, severity in record.entries:
        if entry.everything:
            return RecordHit(record, severity, EVERY_VERSION)
        if version is None:
            continue
        for rng in entry.ranges:
            key = key_of(rng.scheme)
            found = rng.hit(key) if key is not None else None
            if found is not None:
                return RecordHit(record, severity, found)
    return None
