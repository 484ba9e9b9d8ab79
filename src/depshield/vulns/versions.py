"""The version orderings OSV ranges use: SemVer 2.0 precedence (npm) and PEP 440 (PyPI)."""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any, Literal

from depshield.ecosystems.plugins import plugins

Scheme = Literal["semver", "pep440"]

# Event positions: "0" sorts before every version and a "*" limit after every version, so a
# version's comparable key is (1, key) and the two specials are (0,) and (2,).
MIN_KEY: tuple[Any, ...] = (0,)
MAX_KEY: tuple[Any, ...] = (2,)


@cache
def ecosystem_scheme(osv_ecosystem: str) -> Scheme | None:
    """The ordering an OSV ecosystem's ECOSYSTEM-typed ranges use (its plug-in says)."""

    for plugin in plugins().values():
        if plugin.osv_name == osv_ecosystem:
            return plugin.version_scheme
    return None


def scheme_for(range_type: str, ecosystem: str) -> Scheme | None:
    """The ordering of a range, or None when it cannot be evaluated here (GIT, unknown)."""
    if range_type == "SEMVER":
        return "semver"
    if range_type == "ECOSYSTEM":
        return ecosystem_scheme(ecosystem)
    return None


def version_key(scheme: Scheme, text: str) -> tuple[Any, ...] | None:
    """The sortable key of `text` under `scheme`, or None when it is not a valid version."""
    inner = semver_key(text) if scheme == "semver" else pep440_key(text)
    return None if inner is None else (1, inner)


@lru_cache(maxsize=65536)
def semver_key(text: str) -> tuple[Any, ...] | None:
    """SemVer 2.0 precedence (section 11) as a tuple, parsed by node-semver.

    Strict parsing first; loose parsing then accepts what real records and registries hold
    ("1.0" in GHSA-r683-j2x4-v87g, a leading "v" or "="). Build metadata does not count.
    """
    from nodesemver import make_semver

    parsed = None
    for loose in (False, True):
        try:
            parsed = make_semver(text, loose)
            break
        except (ValueError, TypeError, AttributeError):
            continue
    if parsed is None:
        return None
    # A release sorts after its pre-releases; numeric identifiers sort before alphanumeric ones
    # and compare as numbers; a shorter identifier list sorts first when it is a prefix.
    pre = tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in parsed.prerelease)
    pre_key = (1,) if not pre else (0, pre)
    # node-semver keeps extra numeric components ("1.2.3.4") apart and compares them last.
    micro = tuple(int(m) for m in parsed.micro_versions)
    return (int(parsed.major), int(parsed.minor), int(parsed.patch), pre_key, micro)


@lru_cache(maxsize=65536)
def pep440_key(text: str) -> Any | None:
    """PEP 440 ordering as packaging computes it, or None for a version PEP 440 rejects."""
    from packaging.version import InvalidVersion, Version

    try:
        parsed = Version(text)
    except (InvalidVersion, TypeError):
        return None
    # Version orders by its comparison key; comparing those tuples directly is several times
    # faster than Version's Python-level operators (matching compares a lot).
    return getattr(parsed, "_key", parsed)
