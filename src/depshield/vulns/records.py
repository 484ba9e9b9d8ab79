"""OSV records reduced to what matching one package needs, and their alias groups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from depshield.vulns.affected import AffectedEntry, compile_entry
from depshield.vulns.base import VulnSeverity
from depshield.vulns.osv import advisory_url, is_malicious, malware_source, name_key, summary_of
from depshield.vulns.severity import severity_of


@dataclass(frozen=True, slots=True)
class CompiledRecord:
    """A record parsed once per package name; `group` links records that alias each other."""

    id: str
    seq: int  # import order: the lowest is the first-seen record
    aliases: tuple[str, ...]  # sorted
    malicious: bool
    summary: str
    url: str | None
    source: str | None
    entries: tuple[tuple[AffectedEntry, VulnSeverity], ...] = ()
    notes: tuple[str, ...] = ()
    group: int = 0


def compile_record(doc: Mapping[str, Any], seq: int, ecosystem: str, key: str) -> CompiledRecord:
    """Keep the `affected[]` entries for (ecosystem, normalised name), ranges compiled."""
    notes: list[str] = []
    entries = []
    for affected in doc.get("affected") or []:
        package = affected.get("package") or {}
        if package.get("ecosystem") != ecosystem:
            continue
        if name_key(ecosystem, str(package.get("name", ""))) != key:
            continue
        entries.append((compile_entry(affected, ecosystem, notes), severity_of(doc, affected)))
    malicious = is_malicious(doc)
    record_id = str(doc["id"])
    aliases = {a for a in doc.get("aliases") or [] if isinstance(a, str)} - {record_id}
    return CompiledRecord(
        id=record_id,
        seq=seq,
        aliases=tuple(sorted(aliases)),
        malicious=malicious,
        summary=summary_of(doc),
        url=advisory_url(doc),
        source=malware_source(doc) if malicious else None,
        entries=tuple(entries),
        notes=tuple(f"{record_id}: {note}" for note in notes),
    )


def assign_groups(records: Sequence[CompiledRecord]) -> tuple[CompiledRecord, ...]:
    """Number the connected components of 'shares an id or alias' (union-find), so records
    that alias each other (a PYSEC and a GHSA record for one CVE) are merged into one finding."""
    parent = list(range(len(records)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for index, record in enumerate(records):
        for identifier in (record.id, *record.aliases):
            if identifier in owner:
                parent[root(index)] = root(owner[identifier])
            else:
                owner[identifier] = index
    return tuple(replace(record, group=root(i)) for i, record in enumerate(records))
