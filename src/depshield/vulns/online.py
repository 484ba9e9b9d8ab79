"""Opt-in online sources: an OSV query API at a configured address, and PyPI's JSON field."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from depshield import net
from depshield.errors import RegistryError
from depshield.model import Finding, PackageRef
from depshield.net import DEFAULT_RETRY, RetryPolicy, host_of
from depshield.vulns.base import UNKNOWN_SEVERITY, Lookup, Vulnerability, osv_ecosystem
from depshield.vulns.match import key_function, record_hit
from depshield.vulns.merge import RecordHit, merge_hits
from depshield.vulns.osv import BadRecord, name_key, to_record
from depshield.vulns.ranges import Hit
from depshield.vulns.records import CompiledRecord, assign_groups, compile_record
from depshield.vulns.update import API_URL_ENV, API_URL_KEY, configured_url
from depshield.vulns.versions import pep440_key

MAX_PAGES = 20  # the API pages long answers; a runaway page token must not loop forever
API_TIP = f"set {API_URL_ENV} (or osv-api-url under [vulns] in depshield.toml) to the OSV API"


def osv_api_url(explicit: str | None = None, start: Path | None = None) -> str | None:
    """The configured OSV API base address (`{base}/v1/query` is called); there is no default."""
    return configured_url(explicit, API_URL_ENV, API_URL_KEY, start)


def query_osv(
    ref: PackageRef,
    *,
    api_url: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
) -> Lookup:
    """Ask the OSV API which records affect `ref`; nothing (with a note) when none is set up."""
    base = osv_api_url(api_url)
    ecosystem = osv_ecosystem(ref.ecosystem)
    if base is None:
        return Lookup(notes=(f"the OSV API was not queried: no address configured ({API_TIP})",))
    if ecosystem is None:
        return Lookup(notes=(f"ecosystem {ref.ecosystem!r} has no vulnerability data",))

    net.ensure_online(f"vulnerabilities of {ref}")
    query: dict[str, Any] = {"package": {"ecosystem": ecosystem, "name": ref.name}}
    if ref.version:
        query["version"] = ref.version
    records: list[Any] = []
    with net.session(client) as own:
        for _ in range(MAX_PAGES):
            reply = _post_json(own, f"{base.rstrip('/')}/v1/query", query, retry)
            records.extend(reply.get("vulns") or [])
            token = reply.get("next_page_token")
            if not token:
                break
            query["page_token"] = token
    return _lookup_from_records(records, ecosystem, ref)


def _lookup_from_records(records: list[Any], ecosystem: str, ref: PackageRef) -> Lookup:
    """The API already matched; our own evaluation only adds the range text and the fix."""

    key = name_key(ecosystem, ref.name)
    key_of = key_function(ref.version)
    compiled: list[CompiledRecord] = []
    notes: list[str] = []
    for seq, doc in enumerate(records):
        try:
            if to_record(doc).withdrawn:
                continue
        except BadRecord as exc:
            notes.append(f"the OSV API returned a bad record: {exc}")
            continue
        compiled.append(compile_record(doc, seq, ecosystem, key))
    hits = []
    for record in assign_groups(compiled):
        hit = record_hit(record, ref.version, key_of)
        if hit is None:
            severity = record.entries[0][1] if record.entries else UNKNOWN_SEVERITY
            hit = RecordHit(record, severity, Hit("reported by the OSV API"))
        hits.append(hit)
    return Lookup(tuple(merge_hits(hits)), tuple(notes))


def _post_json(
    client: httpx.Client, url: str, body: Mapping[str, Any], retry: RetryPolicy
) -> dict[str, Any]:

    last = "no attempt made"
    for attempt in range(max(1, retry.attempts)):
        if attempt:
            retry.sleep(retry.delay(attempt - 1, None))
        try:
            response = client.post(url, json=dict(body))
        except httpx.HTTPError as exc:
            last = type(exc).__name__
            continue
        if response.status_code == 429 or response.status_code >= 500:
            last = f"http {response.status_code}"
            continue
        if response.status_code >= 400:
            raise RegistryError(f"{host_of(url)} answered http {response.status_code}", tip=API_TIP)
        try:
            reply = response.json()
        except (ValueError, UnicodeDecodeError):
            raise RegistryError(f"{host_of(url)} answered with invalid json", tip=API_TIP) from None
        if not isinstance(reply, dict):
            raise RegistryError(f"{host_of(url)} answered with an unexpected document", tip=API_TIP)
        return reply
    raise RegistryError(f"cannot query the OSV API at {host_of(url)}: {last}", tip=API_TIP)


def vulnerabilities_from_pypi_json(
    doc: Mapping[str, Any], version: str | None = None
) -> list[Vulnerability]:
    """The `vulnerabilities` field of a PyPI JSON document (project or release) as
    vulnerabilities of `version` (default: the document's `info.version`)."""
    raw_info = doc.get("info")
    info: Mapping[str, Any] = raw_info if isinstance(raw_info, Mapping) else {}
    version = version or (str(info["version"]) if info.get("version") else None)
    records: list[CompiledRecord] = []
    hits: dict[str, Hit] = {}
    for seq, entry in enumerate(doc.get("vulnerabilities") or []):
        if not isinstance(entry, Mapping) or not entry.get("id") or entry.get("withdrawn"):
            continue
        record_id = str(entry["id"])
        summary = entry.get("summary") or entry.get("details") or record_id
        aliases = {str(a) for a in entry.get("aliases") or []} - {record_id}
        records.append(
            CompiledRecord(
                id=record_id,
                seq=seq,
                aliases=tuple(sorted(aliases)),
                malicious=False,
                summary=" ".join(str(summary).split())[:200],
                url=str(entry["link"]) if entry.get("link") else None,
                source=None,
            )
        )
        first = _first_fixed(entry.get("fixed_in"), version)
        hits[record_id] = Hit(f"< {first}" if first else "no fixed version listed", first)
    # The field carries no severity: unknown counts as medium.
    matched = [RecordHit(r, UNKNOWN_SEVERITY, hits[r.id]) for r in assign_groups(records)]
    return merge_hits(matched)


def findings_from_pypi_json(doc: Mapping[str, Any], version: str | None = None) -> list[Finding]:
    return [v.to_finding() for v in vulnerabilities_from_pypi_json(doc, version)]


def _first_fixed(fixed_in: object, version: str | None) -> str | None:

    if not isinstance(fixed_in, list):
        return None
    current = pep440_key(version) if version else None
    candidates = [(pep440_key(str(f)), str(f)) for f in fixed_in]
    above = [
        (k, text) for k, text in candidates if k is not None and (current is None or k > current)
    ]
    return min(above)[1] if above else None
