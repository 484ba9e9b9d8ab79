"""Known vulnerabilities from the configured registries, without setup: the `vulnerabilities`
field of PyPI's per-release JSON document (what pip-audit reads) and npm's bulk advisory
endpoint (what `npm audit` posts to), both at the registry the user's npm/pip configuration
names. Replies are cached by name@version with a TTL (docs/vulnerabilities.md)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from depshield.cache import Cache
from depshield.ecosystems.npm.config import registry_for
from depshield.ecosystems.plugins import plugins
from depshield.ecosystems.pypi.config import index_url, json_api_base
from depshield.ecosystems.pypi.index import project_url
from depshield.errors import DepshieldError
from depshield.home import depshield_home
from depshield.model import PackageRef
from depshield.net import RetryPolicy, get_json, host_of, offline_requested, session
from depshield.vulns.base import (
    CRITICAL_CVE,
    HIGH_CVE,
    LOW_CVE,
    MEDIUM_CVE,
    UNKNOWN_SEVERITY,
    Vulnerability,
    VulnSeverity,
)
from depshield.vulns.online import vulnerabilities_from_pypi_json
from depshield.vulns.severity import alert_type_for_score
from depshield.vulns.versions import semver_key

ADVISORY_TTL = 6 * 3600.0  # advisories change daily at most; a rescan within hours reuses them
BULK_PATH = "-/npm/v1/security/advisories/bulk"
BULK_CHUNK = 200  # packages per POST: npm audit's bodies are of this order
# Statuses that mean "this registry has no such endpoint", not an outage.
_ABSENT = frozenset({404, 405, 501})
_NPM_SEVERITY = {
    "critical": CRITICAL_CVE,
    "high": HIGH_CVE,
    "moderate": MEDIUM_CVE,
    "medium": MEDIUM_CVE,
    "low": LOW_CVE,
}
_unserved: set[str] = set()  # registries found without the endpoint in this process


@dataclass(frozen=True, slots=True)
class RegistryAdvisories:
    """What a registry said: whether it serves advisories at all, and those of one version."""

    served: bool
    vulnerabilities: tuple[Vulnerability, ...] = ()
    notes: tuple[str, ...] = ()


def advisories_for(
    ref: PackageRef, metadata: Mapping[str, Any] | None, *, from_registry: bool | None = None
) -> RegistryAdvisories:
    """The registry's advisories for `ref`. `metadata`: the registry document the artifact
    came with; `from_registry`: whether the package comes from a registry at all (default:
    when there is a document; a warm scan's stored artifact has none but still asks, through
    the cache). Local artifacts ask nothing."""
    registry_package = bool(metadata) if from_registry is None else from_registry
    if not ref.version or not registry_package:
        return RegistryAdvisories(served=False)
    protocol = _protocol(ref)
    if protocol == "release-document":
        return document_advisories(ref, metadata or {})
    if protocol == "bulk":
        return bulk_advisories(ref)
    return RegistryAdvisories(served=False)


def _protocol(ref: PackageRef) -> str:
    """How `ref`'s registry serves advisories (its ecosystem plug-in says; ecosystems/base.py)."""

    found = plugins().get(ref.ecosystem)
    return found.advisory_protocol if found else ""


def document_advisories(ref: PackageRef, metadata: Mapping[str, Any]) -> RegistryAdvisories:
    """The release document's advisories (PyPI's JSON API): its `vulnerabilities` list (absent
    on mirrors that do not serve it, such as a simple-index-only proxy). Without the document at
    hand (a warm scan), the release document is asked for, through the cache."""

    index = index_url()
    key = _key(index, ref.name.lower(), ref.version or "")
    if "vulnerabilities" in metadata:
        field = metadata.get("vulnerabilities")
        _put_field(key, field)
    else:
        cached = _cached_json(key)
        if isinstance(cached, dict):
            field = cached.get("vulnerabilities")
        elif index in _unserved:
            field = None
        else:
            field = _fetch_pypi_field(index, ref, key)
    if not isinstance(field, list):
        return RegistryAdvisories(served=False)

    found = vulnerabilities_from_pypi_json({"vulnerabilities": field}, ref.version)
    return RegistryAdvisories(served=True, vulnerabilities=tuple(found))


def _fetch_pypi_field(index: str, ref: PackageRef, key: str) -> object:
    """GET `/pypi/NAME/VERSION/json` at the configured index (pip-audit's request); None, and
    the index remembered for the run, when it cannot say."""

    if offline_requested():
        return None
    url = project_url(json_api_base(index), ref.name, ref.version)
    try:
        with session() as http:
            doc = get_json(http, url, what=f"advisories of {ref}", retry=RetryPolicy(attempts=1))
    except DepshieldError:
        _unserved.add(index)
        return None
    field = doc.get("vulnerabilities") if isinstance(doc, dict) else None
    _put_field(key, field)
    return field


def _put_field(key: str, field: object) -> None:
    """Cache the field as the index gave it, absent (null) included: that is an answer too."""
    _cache().put_document(key, json.dumps({"vulnerabilities": field}).encode())


def bulk_advisories(ref: PackageRef) -> RegistryAdvisories:
    """The bulk advisory endpoint (npm's), through the cache (which answers offline too, within
    its TTL)."""

    config = registry_for(ref.name)
    cached = _cached(config.url, ref)
    if cached is None:
        if offline_requested():
            return RegistryAdvisories(served=False)
        notes = prefetch_advisories([ref])
        if config.url in _unserved:
            return RegistryAdvisories(served=False, notes=tuple(notes))
        cached = _cached(config.url, ref)
        if cached is None:
            return RegistryAdvisories(served=False, notes=tuple(notes))
    assert ref.version is not None
    found = [npm_vulnerability(a, ref.version) for a in cached]
    return RegistryAdvisories(served=True, vulnerabilities=tuple(v for v in found if v))


def prefetch_advisories(refs: Iterable[PackageRef]) -> list[str]:
    """Ask each registry once for many packages (`npm audit`'s bulk body: name -> versions) and
    cache the answer per name@version (refs of registries without a bulk endpoint are left
    out); what could not be asked comes back as notes."""

    todo: dict[str, dict[str, set[str]]] = {}
    headers: dict[str, str | None] = {}
    for ref in refs:
        if _protocol(ref) != "bulk" or not ref.version:
            continue
        config = registry_for(ref.name)
        if config.url in _unserved or _cached(config.url, ref) is not None:
            continue
        todo.setdefault(config.url, {}).setdefault(ref.name, set()).add(ref.version)
        headers[config.url] = config.auth_header
    notes: list[str] = []
    for registry, wanted in todo.items():
        names = sorted(wanted)
        for start in range(0, len(names), BULK_CHUNK):
            body = {n: sorted(wanted[n]) for n in names[start : start + BULK_CHUNK]}
            note = _post_bulk(registry, body, headers[registry])
            if note:
                notes.append(note)
                break
    return notes


def _post_bulk(registry: str, body: Mapping[str, list[str]], auth: str | None) -> str | None:
    """POST one bulk query and cache every name@version in it; a note when it failed."""
    import httpx

    url = registry + BULK_PATH
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if auth:
        headers["Authorization"] = auth
    try:
        with session() as http:
            response = http.post(url, content=json.dumps(body).encode(), headers=headers)
    except httpx.HTTPError as exc:
        _unserved.add(registry)
        return f"known vulnerabilities from {host_of(url)}: not checked ({type(exc).__name__})"
    if response.status_code in _ABSENT:
        _unserved.add(registry)
        return None
    try:
        reply = response.json() if response.status_code == 200 else None
    except (ValueError, UnicodeDecodeError):
        reply = None
    if not isinstance(reply, dict):
        _unserved.add(registry)
        return (
            f"known vulnerabilities from {host_of(url)}: not checked (http {response.status_code})"
        )
    _store(registry, body, reply)
    return None


def _store(registry: str, body: Mapping[str, list[str]], reply: Mapping[str, Any]) -> None:
    cache = _cache()
    for name, versions in body.items():
        raw = reply.get(name)
        advisories = [a for a in raw if isinstance(a, dict)] if isinstance(raw, list) else []
        for version in versions:
            # The reply is per name; keep only what affects this version.
            mine = [a for a in advisories if _affects(a, version)]
            cache.put_document(_key(registry, name, version), json.dumps(mine).encode())


def _cached(registry: str, ref: PackageRef) -> list[dict[str, Any]] | None:
    doc = _cached_json(_key(registry, ref.name, ref.version or ""))
    return doc if isinstance(doc, list) else None


def _cached_json(key: str) -> Any:
    """A cached answer younger than the TTL (a JSON value), or None."""
    body = _cache().get_document(key, ADVISORY_TTL)
    if body is None:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _key(registry: str, name: str, version: str) -> str:
    return f"advisories:{registry}{name}@{version}"


_caches: dict[str, Any] = {}


def _cache() -> Any:
    """One Cache per home per process (each keeps a connection per thread)."""

    home = str(depshield_home())
    if home not in _caches:
        _caches[home] = Cache()
    return _caches[home]


def _affects(advisory: Mapping[str, Any], version: str) -> bool:
    from nodesemver import satisfies

    text = str(advisory.get("vulnerable_versions") or "")
    try:
        return bool(text) and bool(satisfies(version, text, loose=True))
    except (ValueError, TypeError, AttributeError):
        return True  # an unreadable range is reported rather than missed


def npm_vulnerability(advisory: Mapping[str, Any], version: str) -> Vulnerability | None:
    """One advisory of the bulk reply (`id`, `url`, `title`, `severity`, `vulnerable_versions`,
    `cvss`, `cwe`) as a Vulnerability of `version`."""
    url = str(advisory.get("url") or "") or None
    ghsa = url.rstrip("/").rsplit("/", 1)[-1] if url else ""
    number = str(advisory.get("id") or "")
    ident = ghsa if ghsa.startswith("GHSA-") else number
    if not ident:
        return None
    aliases = {str(c) for c in advisory.get("cves") or () if c}
    if ghsa.startswith("GHSA-") and number:
        aliases.add(f"NPM-{number}")
    text = str(advisory.get("vulnerable_versions") or "")
    return Vulnerability(
        id=ident,
        aliases=tuple(sorted(aliases - {ident})),
        summary=" ".join(str(advisory.get("title") or ident).split())[:200],
        severity=_npm_severity(advisory),
        affected_range=text,
        first_patched=first_fixed_semver(text, version),
        url=url,
    )


def _npm_severity(advisory: Mapping[str, Any]) -> VulnSeverity:

    cvss = advisory.get("cvss")
    score = cvss.get("score") if isinstance(cvss, dict) else None
    vector = cvss.get("vectorString") if isinstance(cvss, dict) else None
    if isinstance(score, int | float) and not isinstance(score, bool) and score > 0:
        return VulnSeverity(alert_type_for_score(float(score)), float(score), vector or None)
    label = str(advisory.get("severity") or "").lower()
    if label in _NPM_SEVERITY:
        return VulnSeverity(_NPM_SEVERITY[label], label=label.upper())
    return UNKNOWN_SEVERITY


def first_fixed_semver(vulnerable: str, version: str) -> str | None:
    """The lowest version above `version` that the range no longer covers, among the range's
    own upper bounds (`<4.17.21` -> 4.17.21; `<=1.2.3` has no known fix)."""
    from nodesemver import make_range, satisfies

    try:
        parsed = make_range(vulnerable, True)
    except (ValueError, TypeError, AttributeError):
        return None
    current = semver_key(version)
    bounds: list[tuple[Any, str]] = []
    for comparators in parsed.set:
        for c in comparators:
            text = str(c.semver) if c.operator == "<" else ""
            key = semver_key(text) if text else None
            above = key is not None and (current is None or key > current)
            if above and not satisfies(text, vulnerable, loose=True):
                bounds.append((key, text))
    return min(bounds)[1] if bounds else None


def merge_sources(
    registry: Sequence[Vulnerability], local: Sequence[Vulnerability]
) -> list[Vulnerability]:
    """The local database's records (richer: ranges, CVSS) plus the registry's advisories it
    does not already name by id or alias."""
    known = {i for v in local for i in (v.id, *v.aliases)}
    extra = [v for v in registry if not ({v.id, *v.aliases} & known)]
    return [*local, *extra]
