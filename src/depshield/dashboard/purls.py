"""Search text to (ecosystem, name, version): a purl, `npm:NAME@VERSION`, or a bare name."""

from __future__ import annotations

from urllib.parse import unquote

ECOSYSTEMS = ("npm", "pypi")


def parse_query(text: str) -> tuple[str, str, str]:
    """("", name, "") for a bare name (searched as a substring); exact fields otherwise."""
    text = text.strip()[:300]
    if text.startswith("pkg:"):
        return _purl(text[4:])
    for ecosystem in ECOSYSTEMS:
        if text.startswith(ecosystem + ":"):
            return (ecosystem, *_split(ecosystem, text[len(ecosystem) + 1 :]))
    return "", text, ""


def _purl(body: str) -> tuple[str, str, str]:
    body = body.split("?", 1)[0].split("#", 1)[0]
    ecosystem, _, rest = body.partition("/")
    if ecosystem not in ECOSYSTEMS or not rest:
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
    """PyPI names compare normalised (PEP 503); npm names exactly."""
    if ecosystem == "pypi":
        import re

        return re.sub(r"[-_.]+", "-", name).lower()
    return name
