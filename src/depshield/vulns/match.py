"""Matching package versions against the imported OSV records: vulnerabilities and malware."""

from __future__ import annotations

import json
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

from depshield.model import Finding, PackageRef
from depshield.vulns import EMPTY_NOTE, default_db_path
from depshield.vulns.affected import KeyOf, entry_hit
from depshield.vulns.base import (
    DbStatus,
    Lookup,
    VulnDbError,
    Vulnerability,
    osv_ecosystem,
)
from depshield.vulns.db import VulnStore, generation
from depshield.vulns.index import NameIndex
from depshield.vulns.merge import RecordHit
from depshield.vulns.osv import name_key
from depshield.vulns.records import CompiledRecord, assign_groups, compile_record
from depshield.vulns.versions import Scheme, ecosystem_scheme, version_key

RECHECK_SECONDS = 1.0


class Matcher:
    """Looks packages up in one database, caching compiled records per package name."""

    def __init__(self, store: VulnStore, cache_size: int = 4096) -> None:
        self.store = store
        self._cache: OrderedDict[tuple[str, str], NameIndex] = OrderedDict()
        self._cache_size = cache_size
        self._version = store.data_version()
        self._generation = generation()
        self._checked = time.monotonic()
        self._empty: bool | None = None
        self._lock = threading.Lock()
        self.pid = os.getpid()

    def is_empty(self) -> bool:
        """True when the database holds no record at all (checked once per database change)."""
        self._refresh()
        if self._empty is None:
            self._empty = not self.store.has_records()
        return self._empty

    def _refresh(self) -> None:
        """Drop cached records when the database changed: at once for imports made in this
        process, within RECHECK_SECONDS for imports made by another process."""
        now = time.monotonic()
        if self._generation == generation() and now - self._checked < RECHECK_SECONDS:
            return
        with self._lock:
            version = self.store.data_version()
            if version != self._version or self._generation != generation():
                self._cache.clear()
                self._empty = None
            self._version, self._generation, self._checked = version, generation(), now

    def lookup(self, ecosystem: str, name: str, version: str | None) -> Lookup:
        osv_name = osv_ecosystem(ecosystem)
        if osv_name is None:
            return Lookup(notes=(f"ecosystem {ecosystem!r} has no vulnerability data",))
        index = self._index(osv_name, name_key(osv_name, name))
        notes: list[str] = []
        key_of = key_function(version)
        scheme = ecosystem_scheme(osv_name) or "semver"
        if version is not None and key_of(scheme) is None:
            notes.append(
                f"{name}: version {version!r} is not a valid {scheme} version; "
                "only records listing it exactly or covering every version were checked"
            )
        elif version is None:
            notes.append(f"{name}: no version given; only records covering every version apply")
        vulnerabilities, record_notes = index.match(version, key_of)
        return Lookup(vulnerabilities, (*notes, *record_notes))

    def _index(self, ecosystem: str, key: str) -> NameIndex:
        self._refresh()
        with self._lock:
            cached = self._cache.get((ecosystem, key))
            if cached is not None:
                self._cache.move_to_end((ecosystem, key))
                return cached
        compiled = NameIndex(
            assign_groups(
                [
                    compile_record(json.loads(body), seq, ecosystem, key)
                    for _, seq, body in self.store.records_for(ecosystem, key)
                ]
            ),
            ecosystem_scheme(ecosystem) or "semver",
        )
        with self._lock:
            self._cache[(ecosystem, key)] = compiled
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return compiled


def key_function(version: str | None) -> KeyOf:
    """Parse the looked-up version at most once per ordering."""
    keys: dict[Scheme, Any] = {}

    def key_of(scheme: Scheme) -> Any:
        if scheme not in keys:
            keys[scheme] = None if version is None else version_key(scheme, version)
        return keys[scheme]

    return key_of


def record_hit(record: CompiledRecord, version: str | None, key_of: KeyOf) -> RecordHit | None:
    """The first `affected[]` entry of `record` that holds `version`, if any."""
    for entry, severity in record.entries:
        hit = entry_hit(entry, version, key_of)
        if hit is not None:
            return RecordHit(record, severity, hit)
    return None


# One matcher per database file, so the per-name cache lives as long as the process.
_MATCHERS: dict[Path, Matcher] = {}
_MATCHERS_LOCK = threading.Lock()


def matcher(path: Path | None = None) -> Matcher | None:
    """The shared matcher of the database at `path` (default: $DEPSHIELD_HOME/osv.sqlite), or
    None when there is no database there; never creates one."""
    path = path or default_db_path()
    with _MATCHERS_LOCK:
        existing = _MATCHERS.get(path)
        # An SQLite connection must not cross a fork (process pools): a child opens its own.
        if existing is not None and existing.pid == os.getpid():
            return existing
        if not path.is_file():
            return None
        _MATCHERS[path] = Matcher(VulnStore.open(path))
        return _MATCHERS[path]


def reset_cache() -> None:
    """Close every shared matcher. A matcher keeps its connection (and never stats the file
    again), so call this after deleting or replacing a database file in a running process."""
    with _MATCHERS_LOCK:
        for existing in _MATCHERS.values():
            if existing.pid == os.getpid():
                existing.store.close()
        _MATCHERS.clear()


def lookup(ecosystem: str, name: str, version: str | None, db: Path | None = None) -> Lookup:
    """Vulnerabilities and malware reports for one package version, with notes on what could not
    be checked; an absent or empty database gives nothing and says so."""
    try:
        shared = matcher(db)
    except VulnDbError as exc:
        return Lookup(notes=(exc.message,))
    if shared is None:
        return Lookup(notes=(EMPTY_NOTE,))
    result = shared.lookup(ecosystem, name, version)
    if not result.vulnerabilities and shared.is_empty():
        return Lookup(notes=(EMPTY_NOTE, *result.notes))
    return result


def vulnerabilities_for(
    ecosystem: str,
    name: str,
    version: str | None,
    notes: list[str] | None = None,
    db: Path | None = None,
) -> list[Vulnerability]:
    """The vulnerabilities (and malware reports) affecting `name` at `version`, one per
    vulnerability with aliases merged; notes on what could not be checked go to `notes`."""
    result = lookup(ecosystem, name, version, db)
    if notes is not None:
        notes.extend(result.notes)
    return list(result.vulnerabilities)


def findings_for(
    ref: PackageRef, notes: list[str] | None = None, db: Path | None = None
) -> list[Finding]:
    """`criticalCVE`/`cve`/`mediumCVE`/`mildCVE` and `malware` findings for one package."""
    return [
        v.to_finding() for v in vulnerabilities_for(ref.ecosystem, ref.name, ref.version, notes, db)
    ]


def db_status(db: Path | None = None) -> DbStatus:
    """What the database holds; a missing database is reported as empty, not as an error."""
    path = db or default_db_path()
    if not path.is_file():
        return DbStatus(path=path, exists=False)
    store = VulnStore.open(path)
    try:
        return store.status()
    finally:
        store.close()
