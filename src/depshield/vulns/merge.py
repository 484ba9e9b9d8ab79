"""Merging matched records that alias each other into one vulnerability per package version."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from depshield.vulns.base import Vulnerability, VulnSeverity
from depshield.vulns.ranges import Hit
from depshield.vulns.records import CompiledRecord


class RecordHit(NamedTuple):
    """One record that matched, why (`hit`) and how bad (`severity`, of the matched entry)."""

    record: CompiledRecord
    severity: VulnSeverity
    hit: Hit


def merge_hits(hits: Sequence[RecordHit]) -> list[Vulnerability]:
    """One vulnerability per alias group (records carry their group, see assign_groups), with
    the first-seen record's id; malware first, then in first-seen order."""
    groups: dict[int, list[RecordHit]] = {}
    for hit in hits:
        groups.setdefault(hit.record.group, []).append(hit)
    merged = []
    for group in groups.values():
        if len(group) == 1:
            merged.append(_single(group[0]))
        else:
            group.sort(key=lambda h: (h.record.seq, h.record.id))
            merged.append(_merge(group))
    merged.sort(key=lambda pair: (not pair[1].malicious, pair[0]))
    return [vulnerability for _, vulnerability in merged]


def _single(found: RecordHit) -> tuple[int, Vulnerability]:
    record = found.record
    vulnerability = Vulnerability(
        record.id,
        record.aliases,
        record.summary,
        found.severity,
        record.malicious,
        found.hit.text,
        found.hit.first_patched,
        record.url,
        record.source,
    )
    return record.seq, vulnerability


def _merge(group: list[RecordHit]) -> tuple[int, Vulnerability]:
    primary = group[0]
    identifiers = {primary.record.id}
    for hit in group:
        identifiers.add(hit.record.id)
        identifiers.update(hit.record.aliases)
    identifiers.discard(primary.record.id)
    malware = next((h.record for h in group if h.record.malicious), None)
    # The worst known severity among the merged records: a PYSEC record often has none while
    # the GHSA record for the same CVE carries a CVSS vector.
    severity = max((h.severity for h in group), key=lambda s: s.rank)
    vulnerability = Vulnerability(
        id=primary.record.id,
        aliases=tuple(sorted(identifiers)),
        summary=(malware or primary.record).summary,
        severity=severity,
        malicious=malware is not None,
        affected_range=primary.hit.text,
        first_patched=next((h.hit.first_patched for h in group if h.hit.first_patched), None),
        url=next((h.record.url for h in group if h.record.url), None),
        source=malware.source if malware else None,
    )
    return primary.record.seq, vulnerability
