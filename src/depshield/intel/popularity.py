"""The shipped popularity lists, indexed once per process for typosquat look-ups."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from depshield.intel.confusables import registry_key, skeleton, word_key

K = TypeVar("K", bound=Hashable)
_FILES = {"npm": "npm-popular.txt", "pypi": "pypi-popular.txt"}
_ALLOW_FILE = "typosquat-allow.txt"


@dataclass(frozen=True, slots=True)
class PopularityIndex:
    """Popular names of one ecosystem (id = rank - 1) and the look-up tables built over them.

    `probe` answers from a symmetric-delete index over the names' skeletons
    (confusables.skeleton): each skeleton and each of its one-letter deletions point at the names
    they came from, so one pass over a candidate's own deletions finds every name within one
    insertion, deletion, substitution or adjacent swap of what a reader sees. The index is built
    per skeleton length on first use: one check needs three lengths, not the whole list.
    """

    ecosystem: str
    names: tuple[str, ...]
    keys: tuple[str, ...]
    skeletons: tuple[str, ...]
    downloads: tuple[int, ...] | None  # npm only: monthly downloads by id
    ranks: dict[str, int]
    by_length: dict[int, tuple[int, ...]]  # skeleton length -> ids
    allowed: frozenset[tuple[str, str]]
    _buckets: dict[int, dict[str, tuple[int, ...]]] = field(default_factory=dict)
    _words: dict[tuple[str, ...], tuple[int, ...]] = field(default_factory=dict)

    def same_words(self, words: tuple[str, ...]) -> tuple[int, ...]:
        """Ids of the multi-word names made of exactly these words (sorted), in any order."""
        if not self._words:  # built on first use: most checks never get here
            pairs = ((word_key(k), i) for i, k in enumerate(self.keys))
            self._words.update(_group((w, i) for w, i in pairs if w is not None))
        return self._words.get(words, ())

    def probe(self, text: str) -> tuple[int, ...]:
        """Ids of the names whose skeleton is `text` or loses one letter to become `text`."""
        length = len(text)
        return self._bucket(length).get(text, ()) + self._bucket(length + 1).get(text, ())

    def _bucket(self, length: int) -> dict[str, tuple[int, ...]]:
        bucket = self._buckets.get(length)
        if bucket is None:
            ids = self.by_length.get(length, ())
            bucket = _delete_index([self.skeletons[i] for i in ids], ids)
            self._buckets[length] = bucket  # a race only builds the same table twice
        return bucket

    def rank_of(self, key: str) -> int | None:
        return self.ranks.get(key)

    def popularity_ratio(self, target_rank: int, cand_rank: int) -> float:
        """How many times more popular the target is (downloads on npm, rank on PyPI)."""
        if self.downloads is not None:
            return self.downloads[target_rank - 1] / max(1, self.downloads[cand_rank - 1])
        return cand_rank / target_rank


def _read(name: str) -> str:
    return (resources.files("depshield") / "data" / name).read_text(encoding="utf-8")


@functools.cache
def load_index(ecosystem: str) -> PopularityIndex:
    """The index for `ecosystem`, from the on-disk memo when the shipped list is unchanged.

    Building it takes about a second of CPU (skeletons of 20,000 names, delete index, word
    groups); one `depshield package` run must not pay that, so the finished tables are kept in
    DEPSHIELD_HOME as marshal data (our own plain dicts and tuples, keyed by the list's hash)."""
    import hashlib
    import marshal

    text = _read(_FILES[ecosystem]) + _read(_ALLOW_FILE)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    memo = _memo_path(f"popularity-{ecosystem}-{digest}.marshal")
    try:
        fields = marshal.loads(memo.read_bytes())
        index = PopularityIndex(*fields)
        if index.ecosystem == ecosystem:
            return index
    except (OSError, ValueError, EOFError, TypeError):
        pass
    index = _build_index(ecosystem)
    # The per-length delete tables stay lazy (three lengths per check, quick to build); the
    # skeletons are what is slow to compute, and what the memo keeps.
    _write_memo(memo, marshal.dumps(_fields(index)))
    return index


def _fields(index: PopularityIndex) -> tuple[Any, ...]:
    return (
        index.ecosystem,
        index.names,
        index.keys,
        index.skeletons,
        index.downloads,
        index.ranks,
        index.by_length,
        index.allowed,
    )


def _memo_path(name: str) -> Path:
    from depshield.home import depshield_home

    return depshield_home() / "memo" / name


def _write_memo(path: Path, data: bytes) -> None:
    import os

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home only means building the index again next time


def _build_index(ecosystem: str) -> PopularityIndex:
    """Parse the shipped list and build the indexes."""
    names: list[str] = []
    downloads: list[int] = []
    for line in _read(_FILES[ecosystem]).splitlines():
        name, _, count = line.partition("\t")
        if name.strip():
            names.append(name.strip())
            downloads.append(int(count) if count else 0)
    keys = [registry_key(ecosystem, n) for n in names]
    skeletons = [skeleton(n) for n in names]
    ranks: dict[str, int] = {}
    for i, key in enumerate(keys):
        ranks.setdefault(key, i + 1)
    return PopularityIndex(
        ecosystem=ecosystem,
        names=tuple(names),
        keys=tuple(keys),
        skeletons=tuple(skeletons),
        downloads=tuple(downloads) if ecosystem == "npm" else None,
        ranks=ranks,
        by_length=_group((len(skel), i) for i, skel in enumerate(skeletons)),
        allowed=_allow_list(ecosystem),
    )


def _delete_index(skeletons: list[str], ids: Sequence[int]) -> dict[str, tuple[int, ...]]:
    """Skeleton and one-deletion probes -> ids, built with C-speed dict/Counter passes: about
    20 probes per name, nearly all of them unique, so only the shared ones get a Python loop."""
    probes: list[str] = []
    owners: list[int] = []
    for ident, skel in zip(ids, skeletons, strict=True):
        mine = {skel[:i] + skel[i + 1 :] for i in range(len(skel))}
        mine.add(skel)
        probes.extend(mine)
        owners.extend([ident] * len(mine))
    index: dict[str, tuple[int, ...]] = {p: (o,) for p, o in zip(probes, owners, strict=True)}
    shared = {p for p, n in Counter(probes).items() if n > 1}
    if shared:
        grouped = _group((p, o) for p, o in zip(probes, owners, strict=True) if p in shared)
        index.update(grouped)
    return index


def _group(pairs: Iterable[tuple[K, int]]) -> dict[K, tuple[int, ...]]:
    grouped: dict[K, list[int]] = {}
    for key, ident in pairs:
        grouped.setdefault(key, []).append(ident)
    return {k: tuple(v) for k, v in grouped.items()}


def _allow_list(ecosystem: str) -> frozenset[tuple[str, str]]:
    """(candidate, target) registry keys of honest near pairs from typosquat-allow.txt."""
    pairs = set()
    for line in _read(_ALLOW_FILE).splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) == 3 and fields[0] == ecosystem:
            pairs.add((registry_key(ecosystem, fields[1]), registry_key(ecosystem, fields[2])))
    return frozenset(pairs)
