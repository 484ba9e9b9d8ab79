"""The shipped popularity lists, as an on-disk index queried (not loaded) by typosquat checks."""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

from depshield.ecosystems.plugins import plugin
from depshield.intel.confusables import registry_key, skeleton, word_key
from depshield.memo import memo_path

_ALLOW_FILE = "typosquat-allow.txt"
_SCHEMA = 1  # bump when the tables below change
_TABLES = """
CREATE TABLE meta(ecosystem TEXT NOT NULL);
CREATE TABLE names(id INTEGER PRIMARY KEY, name TEXT, key TEXT, skeleton TEXT, downloads INT);
CREATE INDEX names_key ON names(key, id);
CREATE TABLE probes(probe TEXT, id INTEGER, PRIMARY KEY(probe, id)) WITHOUT ROWID;
CREATE TABLE words(words TEXT, id INTEGER, PRIMARY KEY(words, id)) WITHOUT ROWID;
"""


_WORDS = re.compile(r"[-_./@]+")


class PopularityIndex:
    """Popular names of one ecosystem (id = rank - 1) and the look-up tables built over them.

    The tables live in one SQLite file in DEPSHIELD_HOME, built once per shipped list: a check
    asks a few dozen indexed questions instead of loading 20,000 names, which is what keeps one
    `depshield package` process short. `probe` answers from a symmetric-delete table over the
    names' skeletons (confusables.skeleton): each skeleton and each of its one-letter deletions
    point at the names they came from, so one pass over a candidate's own deletions finds every
    name within one insertion, deletion, substitution or adjacent swap of what a reader sees.
    """

    def __init__(self, ecosystem: str, db: sqlite3.Connection, allowed: frozenset[tuple[str, str]]):
        self.ecosystem = ecosystem
        self.allowed = allowed  # (candidate, target) registry keys of honest near pairs
        self._db = db
        self._rows: dict[int, tuple[str, str, str, int]] = {}
        self._scopes: dict[str, int] = {}  # scope -> scope_size, asked once per gate
        self._by_downloads = plugin(ecosystem).popularity_by_downloads

    def without_allow_list(self) -> PopularityIndex:
        """The same index with no honest pairs (to measure what the allow-list hides)."""
        return PopularityIndex(self.ecosystem, self._db, frozenset())

    def _row(self, ident: int) -> tuple[str, str, str, int]:
        row = self._rows.get(ident)
        if row is None:
            found = self._db.execute(
                "SELECT name, key, skeleton, downloads FROM names WHERE id = ?", (ident,)
            ).fetchone()
            if found is None:
                raise IndexError(ident)
            row = self._rows[ident] = found
        return row

    def name(self, ident: int) -> str:
        return self._row(ident)[0]

    def key(self, ident: int) -> str:
        return self._row(ident)[1]

    def skeleton(self, ident: int) -> str:
        return self._row(ident)[2]

    @property
    def names(self) -> tuple[str, ...]:
        """Every name, by id (a whole-list read, for benchmarks and tests)."""
        return tuple(r[0] for r in self._db.execute("SELECT name FROM names ORDER BY id"))

    @property
    def skeletons(self) -> tuple[str, ...]:
        return tuple(r[0] for r in self._db.execute("SELECT skeleton FROM names ORDER BY id"))

    def same_words(self, words: tuple[str, ...]) -> tuple[int, ...]:
        """Ids of the multi-word names made of exactly these words (sorted), in any order."""
        rows = self._db.execute("SELECT id FROM words WHERE words = ?", ("\0".join(words),))
        return tuple(r[0] for r in rows)

    def probe(self, text: str) -> tuple[int, ...]:
        """Ids of the names whose skeleton is `text` or loses one letter to become `text`."""
        return tuple(
            r[0] for r in self._db.execute("SELECT id FROM probes WHERE probe = ?", (text,))
        )

    def scope_size(self, scope: str) -> int:
        """How many popular names live in `scope` (`@apollo`): a scope has owners."""
        size = self._scopes.get(scope)
        if size is None:
            # A range over the key index ("/" + 1 is "0"), not substr() on every row: the same
            # names, found in a few pages instead of a scan of the whole list per question.
            row = self._db.execute(
                "SELECT count(*) FROM names WHERE key >= ? AND key < ?", (scope + "/", scope + "0")
            ).fetchone()
            size = self._scopes[scope] = int(row[0])
        return size

    def word_uses(self, word: str) -> int:
        """How many popular names use `word` as one of their delimited words (`os`, `diff`)."""
        rows = self._db.execute(
            "SELECT key FROM names WHERE key LIKE ? ESCAPE '\\'",
            ("%" + word.replace("%", "\\%").replace("_", "\\_") + "%",),
        )
        return sum(1 for (key,) in rows if word in _WORDS.split(key))

    def rank_of(self, key: str) -> int | None:
        row = self._db.execute("SELECT min(id) FROM names WHERE key = ?", (key,)).fetchone()
        return None if row[0] is None else int(row[0]) + 1

    def popularity_ratio(self, target_rank: int, cand_rank: int) -> float:
        """How many times more popular the target is (by downloads where the list counts them,
        npm; else by rank, PyPI)."""
        if self._by_downloads:
            target = self._row(target_rank - 1)[3]
            return target / max(1, self._row(cand_rank - 1)[3])
        return cand_rank / target_rank


def _read(name: str) -> str:
    # A plain path, not importlib.resources: that import costs a short run several ms.
    return (Path(__file__).parent.parent / "data" / name).read_text(encoding="utf-8")


@functools.cache
def load_index(ecosystem: str) -> PopularityIndex:
    """The index for `ecosystem`: its SQLite file in DEPSHIELD_HOME when it was built from the
    shipped list as it is now, else built (about a second, once) and kept for the next run."""
    digest, allowed = list_facts(ecosystem)
    path = memo_path(f"popularity-{ecosystem}-{digest}.sqlite")
    db = _open(path, ecosystem)
    if db is None:
        db = _build(path, ecosystem)
    return PopularityIndex(ecosystem, db, allowed)


@functools.cache
def list_facts(ecosystem: str) -> tuple[str, frozenset[tuple[str, str]]]:
    """The shipped list's digest (which index file belongs to it) and its allowed pairs: plain
    data, kept apart from the connection so a resident analyser computes them once."""
    import hashlib

    text = _read(plugin(ecosystem).popular_names) + _read(_ALLOW_FILE)
    digest = hashlib.sha256(f"{_SCHEMA}\n{text}".encode()).hexdigest()[:16]
    return digest, _allow_list(ecosystem)


def _open(path: Path, ecosystem: str) -> sqlite3.Connection | None:
    """The finished file, read-only; None when it is missing or not ours."""
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(
            f"{path.as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False
        )
        row = db.execute("SELECT ecosystem FROM meta").fetchone()
    except sqlite3.Error:
        return None
    return db if row is not None and row[0] == ecosystem else None


def _build(path: Path, ecosystem: str) -> sqlite3.Connection:
    """Write the tables to a temporary file and rename it into place (a concurrent build only
    repeats the work); in memory when DEPSHIELD_HOME is not writable."""
    import contextlib
    import os

    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        db = sqlite3.connect(tmp)
        _fill(db, ecosystem)
        db.close()
        os.replace(tmp, path)
    except (OSError, sqlite3.Error):
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        db = sqlite3.connect(":memory:", check_same_thread=False)
        _fill(db, ecosystem)
        return db
    opened = _open(path, ecosystem)
    assert opened is not None  # just written
    return opened


def _fill(db: sqlite3.Connection, ecosystem: str) -> None:
    """Parse the shipped list and write the names, probe and word tables."""
    names: list[tuple[int, str, str, str, int]] = []
    eco = plugin(ecosystem)
    for line in _read(eco.popular_names).splitlines():
        name, _, count = line.partition("\t")
        if name.strip():
            name = name.strip()
            ident = len(names)
            key = eco.registry_key(name)
            names.append((ident, name, key, skeleton(name), int(count) if count else 0))
    db.executescript(_TABLES)
    db.execute("INSERT INTO meta VALUES (?)", (ecosystem,))
    db.executemany("INSERT INTO names VALUES (?, ?, ?, ?, ?)", names)
    db.executemany("INSERT OR IGNORE INTO probes VALUES (?, ?)", _probes(names))
    words = ((word_key(key), ident) for ident, _, key, _, _ in names)
    db.executemany(
        "INSERT OR IGNORE INTO words VALUES (?, ?)",
        (("\0".join(w), ident) for w, ident in words if w is not None),
    )
    db.commit()


def _probes(names: Sequence[tuple[int, str, str, str, int]]) -> Iterator[tuple[str, int]]:
    for ident, _, _, skel, _ in names:
        yield skel, ident
        for i in range(len(skel)):
            yield skel[:i] + skel[i + 1 :], ident


def _allow_list(ecosystem: str) -> frozenset[tuple[str, str]]:
    """(candidate, target) registry keys of honest near pairs from typosquat-allow.txt."""
    pairs = set()
    for line in _read(_ALLOW_FILE).splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) == 3 and fields[0] == ecosystem:
            pairs.add((registry_key(ecosystem, fields[1]), registry_key(ecosystem, fields[2])))
    return frozenset(pairs)
