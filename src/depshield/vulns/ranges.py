"""OSV ranges: the schema's evaluation algorithm, precomputed per version position for speed."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from depshield.vulns.versions import MAX_KEY, MIN_KEY, Scheme, scheme_for, version_key

KINDS = ("introduced", "fixed", "last_affected", "limit")

Key = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    text: str
    key: Key


@dataclass(frozen=True, slots=True)
class Hit:
    """Why a version is affected: the matched range in words and the first fix above it."""

    text: str
    first_patched: str | None = None


EVERY_VERSION = Hit("all versions")
_UNSET = object()


@dataclass(frozen=True, slots=True)
class Range:
    """One range. `events` are sorted by version (stably, so ties keep the record's order).

    The answer of the evaluation algorithm only depends on where a version falls among the
    distinct event versions `keys`: equal to keys[i] (slot 2i+1) or strictly between keys[i-1]
    and keys[i] (slot 2i). Each slot's answer is computed the first time a version lands there
    and kept, so a lookup is one bisection.
    """

    scheme: Scheme
    events: tuple[Event, ...]
    limits: tuple[Event, ...]
    keys: tuple[Key, ...]
    _slots: list[Hit | None | object] = field(compare=False, repr=False)

    @property
    def everything(self) -> bool:
        """True for `introduced: "0"` alone: every version, even one that cannot be parsed."""
        if self.limits or not self.events:
            return False
        return all(e.kind == "introduced" and e.key == MIN_KEY for e in self.events)

    def hit(self, key: Key) -> Hit | None:
        index = bisect_left(self.keys, key)
        exact = index < len(self.keys) and self.keys[index] == key
        slot = 2 * index + exact
        found = self._slots[slot]
        if found is _UNSET:
            position = _Position({k: i for i, k in enumerate(self.keys)}, index, exact)
            found = self._slots[slot] = position.hit(self.events, self.limits)
        return cast("Hit | None", found)


def compile_range(raw: object, ecosystem: str, notes: list[str]) -> Range | None:
    """A SEMVER or ECOSYSTEM range; GIT ranges need the repository, so they are ignored."""
    if not isinstance(raw, Mapping):
        return None
    scheme = scheme_for(str(raw.get("type", "")), ecosystem)
    if scheme is None:
        return None
    events: list[Event] = []
    for item in raw.get("events") or []:
        if not isinstance(item, Mapping):
            continue
        for kind in KINDS:
            text = item.get(kind)
            if not isinstance(text, str):
                continue
            key = _event_key(scheme, kind, text)
            if key is None:
                # GHSA-h755-8qp9-cq85 has "fixed": "7.2.4, 6.11.4": not a version at all.
                notes.append(f"{kind} {text!r} is not a valid {scheme} version; ignored")
                continue
            events.append(Event(kind, text, key))
    events.sort(key=lambda e: e.key)
    walked = tuple(e for e in events if e.kind != "limit")
    limits = tuple(e for e in events if e.kind == "limit")
    keys = tuple(sorted({e.key for e in events}))
    return Range(scheme, walked, limits, keys, [_UNSET] * (2 * len(keys) + 1))


def _event_key(scheme: Scheme, kind: str, text: str) -> Key | None:
    if kind == "introduced" and text == "0":
        return MIN_KEY
    if kind == "limit" and text == "*":
        return MAX_KEY
    return version_key(scheme, text)


@dataclass(frozen=True, slots=True)
class _Position:
    """A version's place among the distinct event versions: equal to keys[i] (`exact`), or
    strictly between keys[i-1] and keys[i]. Comparisons with events follow from the indexes."""

    index: Mapping[Key, int]
    i: int
    exact: bool

    def at_or_above(self, event: Event) -> bool:  # version >= event
        position = self.index[event.key]
        return position <= self.i if self.exact else position < self.i

    def above(self, event: Event) -> bool:  # version > event
        return self.index[event.key] < self.i

    def hit(self, events: tuple[Event, ...], limits: tuple[Event, ...]) -> Hit | None:
        """IncludedInRanges of the OSV schema for one range, then the words for the interval."""
        if limits and not any(not self.at_or_above(limit) for limit in limits):
            return None
        vulnerable, start = False, -1
        for number, event in enumerate(events):
            if event.kind == "introduced" and self.at_or_above(event):
                if not vulnerable:
                    start = number
                vulnerable = True
            elif (
                event.kind == "fixed"
                and self.at_or_above(event)
                or event.kind == "last_affected"
                and self.above(event)
            ):
                vulnerable = False
        if not vulnerable:
            return None
        return self.describe(events, limits, start)

    def describe(self, events: tuple[Event, ...], limits: tuple[Event, ...], start: int) -> Hit:
        lower = events[start]
        upper = next(
            (
                e
                for e in events[start + 1 :]
                if (e.kind == "fixed" and not self.at_or_above(e))
                or (e.kind == "last_affected" and not self.above(e))
            ),
            None,
        )
        parts = [] if lower.key == MIN_KEY else [f">= {lower.text}"]
        if upper is not None:
            parts.append(f"{'<' if upper.kind == 'fixed' else '<='} {upper.text}")
        caps = [e for e in limits if not self.at_or_above(e) and e.key != MAX_KEY]
        if caps:
            parts.append(f"< {min(caps, key=lambda e: e.key).text}")
        fix = next((e for e in events if e.kind == "fixed" and not self.at_or_above(e)), None)
        return Hit(", ".join(parts) or "all versions", fix.text if fix else None)


def includes(rng: Range, key: Key) -> bool:
    """IncludedInRanges for one range, literally as the OSV schema's pseudocode gives it (the
    reference the precomputed tables are tested against)."""
    if rng.limits and not any(key < limit.key for limit in rng.limits):
        return False
    vulnerable = False
    for event in rng.events:
        if event.kind == "introduced":
            if key >= event.key:
                vulnerable = True
        elif event.kind == "fixed":
            if key >= event.key:
                vulnerable = False
        elif event.kind == "last_affected" and key > event.key:
            vulnerable = False
    return vulnerable


def first_fix_above(rng: Range, key: Key) -> str | None:
    """The first `fixed` version above `key` (for versions matched through a `versions` list)."""
    return next((e.text for e in rng.events if e.kind == "fixed" and e.key > key), None)
