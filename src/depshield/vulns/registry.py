"""Known vulnerabilities from the configured registries, without setup: the `vulnerabilities`
field of PyPI's per-release JSON document (what pip-audit reads) and npm's bulk advisory
endpoint (what `npm audit` posts to), both at the registry the user's npm/pip configuration
names. Replies are cached by name@version with a TTL (docs/vulnerabilities.md)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from depshield.model import PackageRef
from depshield.vulns.base import (
    CRITICAL_CVE,
    HIGH_CVE,
    LOW_CVE,
    MEDIUM_CVE,
    UNKNOWN_SEVERITY,
    Vulnerability,
    VulnSeverity,
)

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


def advisories_for(ref: PackageRef, metadata: Mapping[str, Any] | None) -> RegistryAdvisories:
    """The registry's advisories for `ref`; `metadata` is the registry document the artifact
    came with (None for a local artifact: nothing is asked)."""
    if not ref.version or not metadata:
        return RegistryAdvisories(served=False)
    if ref.ecosystem == "pypi":
        return pypi_advisories(ref, metadata)
    if ref.ecosystem == "npm":
        from depshield.net import offline_requested

        if offline_requested():
            return RegistryAdvisories(served=False)
        return npm_advisories(ref)
    return RegistryAdvisories(served=False)


def pypi_advisories(ref: PackageRef, metadata: Mapping[str, Any]) -> RegistryAdvisories:
    """PyPI's JSON API: the release document's `vulnerabilities` list (absent on mirrors that
    do not serve it, such as a simple-index-only proxy)."""
    field = metadata.get("vulnerabilities")
    if not isinstance(field, list):
        return RegistryAdvisories(served=False)
    from depshield.vulns.online import vulnerabilities_from_pypi_json

    found = vulnerabilities_from_pypi_json({"vulnerabilities": field}, ref.version)
    return RegistryAdvisories(served=True, vulnerabilities=tuple(found))


def npm_advisories(ref: PackageRef) -> RegistryAdvisories:
    from depshield.ecosystems.npm.config import registry_for

    config = registry_for(ref.name)
    cached = _cached(config.url, ref)
    if cached is None:
        notes = prefetch_npm([ref])
        if config.url in _unserved:
            return RegistryAdvisories(served=False, notes=tuple(notes))
        cached = _cached(config.url, ref)
        if cached is None:
            return RegistryAdvisories(served=False, notes=tuple(notes))
    assert ref.version is not None
    found = [npm_vulnerability(a, ref.version) for a in cached]
    return RegistryAdvisories(served=True, vulnerabilities=tuple(v for v in found if v))


def prefetch_npm(refs: Iterable[PackageRef]) -> list[str]:
    """Ask each registry once for many packages (`npm audit`'s bulk body: name -> versions) and
    cache the answer per name@version; what could not be asked comes back as notes."""
    from depshield.ecosystems.npm.config import registry_for

    todo: dict[str, dict[str, set[str]]] = {}
    headers: dict[str, str | None] = {}
    for ref in refs:
        if ref.ecosystem != "npm" or not ref.version:
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

    from depshield.net import host_of, session

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
    body = _cache().get_document(_key(registry, ref.name, ref.version or ""), ADVISORY_TTL)
    if body is None:
        return None
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    return doc if isinstance(doc, list) else None


def _key(registry: str, name: str, version: str) -> str:
    return f"advisories:{registry}{name}@{version}"


_caches: dict[str, Any] = {}


def _cache() -> Any:
    """One Cache per home per process (each keeps a connection per thread)."""
    from depshield.cache import Cache
    from depshield.home import depshield_home

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
    from depshield.vulns.severity import alert_type_for_score

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

    from depshield.vulns.versions import semver_key

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
