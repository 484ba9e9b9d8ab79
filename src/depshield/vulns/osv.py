"""OSV records: validation, the facts the index keeps, and importing sources into the store."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from depshield.vulns.base import ImportSummary, SkippedRecord
from depshield.vulns.sources import RawDocument, iter_documents

if TYPE_CHECKING:
    from depshield.vulns.db import VulnStore

# OpenSSF malicious-packages records carry this key whatever their id prefix.
MALICIOUS_ORIGINS = "malicious-packages-origins"
_FRACTION = re.compile(r"(\.\d{6})\d+")


class BadRecord(ValueError):
    """A document that is not a usable OSV record; the message says why."""


@dataclass(frozen=True, slots=True)
class OsvRecord:
    """One validated record with the facts the index needs; `body` is the record as JSON."""

    id: str
    modified: str  # UTC, fixed width, so that the store compares timestamps as text
    withdrawn: bool
    malicious: bool
    packages: tuple[tuple[str, str], ...]  # (OSV ecosystem, normalised name)
    aliases: tuple[str, ...]
    body: str


@lru_cache(maxsize=65536)
def name_key(ecosystem: str, name: str) -> str:
    """How names are compared: PyPI by PEP 503 normalised name, every other ecosystem exactly."""
    if ecosystem == "PyPI":
        from packaging.utils import canonicalize_name

        return str(canonicalize_name(name))
    return name


def normalise_timestamp(text: object) -> str | None:
    """An RFC 3339 timestamp as `YYYY-MM-DDTHH:MM:SS.ffffffZ`, or None when it is not one."""
    if not isinstance(text, str):
        return None
    try:
        # Python 3.11 takes at most microseconds; malicious-packages writes nanoseconds.
        when = datetime.fromisoformat(_FRACTION.sub(r"\1", text.strip()))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def is_malicious(doc: Mapping[str, Any]) -> bool:
    """A threat-feed record: an OpenSSF `MAL-` id or a malicious-packages origin."""
    specific = doc.get("database_specific")
    return str(doc.get("id", "")).startswith("MAL-") or (
        isinstance(specific, Mapping) and MALICIOUS_ORIGINS in specific
    )


def to_record(doc: object) -> OsvRecord:
    """Validate one decoded document; raises BadRecord with a one-line reason."""
    if not isinstance(doc, dict):
        raise BadRecord("not an OSV record (expected a JSON object)")
    record_id = doc.get("id")
    if not isinstance(record_id, str) or not record_id.strip():
        raise BadRecord("no id")
    modified = normalise_timestamp(doc.get("modified"))
    if modified is None:
        raise BadRecord(f"{record_id}: no valid modified timestamp")
    affected = doc.get("affected", [])
    if not isinstance(affected, list):
        raise BadRecord(f"{record_id}: affected is not a list")
    packages: dict[tuple[str, str], None] = {}
    for entry in affected:
        if not isinstance(entry, dict):
            raise BadRecord(f"{record_id}: an affected entry is not an object")
        if "package" not in entry:
            continue  # newer schemas allow GIT-only entries without a package: nothing to index
        package = entry["package"]
        if not isinstance(package, dict):
            raise BadRecord(f"{record_id}: an affected package is not an object")
        ecosystem, name = package.get("ecosystem"), package.get("name")
        if not isinstance(ecosystem, str) or not isinstance(name, str) or not name:
            raise BadRecord(f"{record_id}: an affected package has no ecosystem or name")
        packages[(ecosystem, name_key(ecosystem, name))] = None
    aliases = doc.get("aliases") or []
    return OsvRecord(
        id=record_id,
        modified=modified,
        withdrawn=bool(doc.get("withdrawn")),
        malicious=is_malicious(doc),
        packages=tuple(packages),
        aliases=tuple(a for a in aliases if isinstance(a, str))
        if isinstance(aliases, list)
        else (),
        body=json.dumps(doc, separators=(",", ":"), ensure_ascii=False),
    )


def parse_document(raw: RawDocument) -> Iterator[OsvRecord | SkippedRecord]:
    """The records in one JSON file: a record, a list of records, or an API reply's `vulns`."""
    try:
        doc = json.loads(raw.data)
    except (ValueError, UnicodeDecodeError) as exc:
        yield SkippedRecord(raw.origin, f"not valid JSON: {exc}")
        return
    if isinstance(doc, dict) and isinstance(doc.get("vulns"), list):
        doc = doc["vulns"]
    single = not isinstance(doc, list)
    items = [doc] if single else doc
    for index, item in enumerate(items):
        origin = raw.origin if single else f"{raw.origin}[{index}]"
        try:
            yield to_record(item)
        except BadRecord as exc:
            yield SkippedRecord(origin, str(exc))


def import_paths(paths: Iterable[Path], store: VulnStore) -> list[ImportSummary]:
    """Import every source in one transaction: all of them land, or (on an error) none."""
    summaries: list[ImportSummary] = []
    with store.transaction():
        for path in paths:
            summaries.append(_import_one(path, store))
        if any(s.records for s in summaries):
            store.record_import([s.source for s in summaries])
    return summaries


def _import_one(path: Path, store: VulnStore) -> ImportSummary:
    outcomes: Counter[str] = Counter()
    ecosystems: Counter[str] = Counter()
    skipped: list[SkippedRecord] = []
    malicious = 0
    for item in _records(iter_documents(path)):
        if isinstance(item, SkippedRecord):
            skipped.append(item)
            continue
        outcomes[store.upsert(item, path.name)] += 1
        malicious += item.malicious
        for ecosystem in {eco for eco, _ in item.packages}:
            ecosystems[ecosystem] += 1
    return ImportSummary(
        source=str(path),
        new=outcomes["new"],
        updated=outcomes["updated"],
        unchanged=outcomes["unchanged"],
        per_ecosystem=tuple(sorted(ecosystems.items())),
        malicious=malicious,
        skipped=tuple(skipped),
    )


def _records(
    documents: Iterable[RawDocument | SkippedRecord],
) -> Iterator[OsvRecord | SkippedRecord]:
    for document in documents:
        if isinstance(document, SkippedRecord):
            yield document
        else:
            yield from parse_document(document)


def summary_of(doc: Mapping[str, Any]) -> str:
    """The one-line summary, else the first sentence of the details (PYSEC records have none)."""
    summary = doc.get("summary")
    if isinstance(summary, str) and summary.strip():
        return " ".join(summary.split())
    details = doc.get("details")
    if not isinstance(details, str) or not details.strip():
        return str(doc.get("id", ""))
    first = " ".join(details.strip().split("\n\n")[0].split())
    sentence = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]
    return sentence if len(sentence) <= 200 else sentence[:199] + "…"


def advisory_url(doc: Mapping[str, Any]) -> str | None:
    """The record's own advisory page if a reference names its id, else the first ADVISORY,
    WEB or REPORT reference."""
    references = [
        str(r["url"])
        for wanted in ("ADVISORY", "WEB", "REPORT")
        for r in doc.get("references") or []
        if isinstance(r, Mapping) and r.get("type") == wanted and isinstance(r.get("url"), str)
    ]
    own = str(doc.get("id", ""))
    return next((url for url in references if own and own in url), None) or next(
        iter(references), None
    )


def malware_source(doc: Mapping[str, Any]) -> str:
    """Who reported a malicious package: the malicious-packages origins, else the id's feed."""
    specific = doc.get("database_specific")
    origins = specific.get(MALICIOUS_ORIGINS) if isinstance(specific, Mapping) else None
    names = sorted(
        {str(o["source"]) for o in origins or [] if isinstance(o, Mapping) and o.get("source")}
    )
    if names:
        return ", ".join(names)
    return "ossf-malicious-packages" if str(doc.get("id", "")).startswith("MAL-") else "osv"
