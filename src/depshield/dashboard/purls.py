"""Search text to (ecosystem, name, version): a purl, `npm:NAME@VERSION`, or a bare name."""

from __future__ import annotations

import functools
from urllib.parse import unquote

from depshield.ecosystems.plugins import plugins


@functools.cache
def ecosystems() -> tuple[str, ...]:
    return tuple(plugins())


def parse_query(text: str) -> tuple[str, str, str]:
    """("", name, "") for a bare name (searched as a substring); exact fields otherwise."""
    text = text.strip()[:300]
    if text.startswith("pkg:"):
        return _purl(text[4:])
    for ecosystem in ecosystems():
        if text.startswith(ecosystem + ":"):
            return (ecosystem, *_split(ecosystem, text[len(ecosystem) + 1 :]))
    return "", text, ""


def _purl(body: str) -> tuple[str, str, str]:
    body = body.split("?", 1)[0].split("#", 1)[0]
    ecosystem, _, rest = body.partition("/")
    if ecosystem not in ecosystems() or not rest:
        return "", unquote(rest or ecosystem), ""
    name, _, version = rest.rpartition("@") if "@" in rest else (rest, "", "")
    return ecosystem, normal(ecosystem, unquote(name)), unquote(version)


def _split(ecosystem: str, spec: str) -> tuple[str, str]:
    if ecosystem == "pypi":
        name, _, version = spec.partition("==")
    else:
        at = spec.rfind("@")
        name, version = (spec[:at], spec[at + 1 :]) if at > 0 else (spec, "")
    return normal(ecosystem, name), version


def normal(ecosystem: str, name: str) -> str:
    """The name as the ecosystem compares it (PyPI: PEP 503; npm: exactly)."""
    found = plugins().get(ecosystem)
    return found.canonical_name(name) if found else name
