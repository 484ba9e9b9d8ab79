"""Locating and parsing a Python distribution's metadata files (METADATA, PKG-INFO, pyproject)."""

from __future__ import annotations

import configparser
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

_DIST_INFO = re.compile(r"^[^/]+\.dist-info/METADATA$")
_EGG_INFO = re.compile(r"^(?:[^/]+/)?[^/]+\.egg-info/PKG-INFO$")
# Paths whose bytes the reader needs. Sdists may keep egg-info under src/.
KEPT = re.compile(
    r"^(?:PKG-INFO|setup\.cfg|pyproject\.toml"
    r"|[^/]+\.dist-info/(?:METADATA|entry_points\.txt)"
    r"|(?:[^/]+/)?[^/]+\.egg-info/(?:PKG-INFO|requires\.txt|entry_points\.txt)"
    r"|[^/]+\.pth|[^/]+\.data/(?:purelib|platlib)/[^/]+\.pth)$"
)


@dataclass(frozen=True, slots=True)
class Layout:
    """What kind of distribution the paths form and where its core metadata lives."""

    kind: Literal["wheel", "sdist"]
    metadata: str | None  # path of METADATA / PKG-INFO, None when there is none
    problem: str = ""  # why a wheel's metadata cannot be trusted


def find_layout(paths: Collection[str]) -> Layout:
    """A wheel has a root `*.dist-info/`; anything else is read as an sdist or a source tree."""
    dist_infos = sorted(p for p in paths if _DIST_INFO.match(p))
    has_dist_info_dir = any(p.split("/", 1)[0].endswith(".dist-info") for p in paths)
    if "PKG-INFO" not in paths and (dist_infos or has_dist_info_dir):
        if len(dist_infos) > 1:
            return Layout("wheel", dist_infos[0], "several .dist-info/METADATA files")
        if not dist_infos:
            return Layout("wheel", None, "no .dist-info/METADATA file")
        return Layout("wheel", dist_infos[0])
    if "PKG-INFO" in paths:
        return Layout("sdist", "PKG-INFO")
    egg_infos = sorted(p for p in paths if _EGG_INFO.match(p))
    return Layout("sdist", egg_infos[0] if egg_infos else None)


@dataclass(frozen=True, slots=True)
class Metadata:
    """Core metadata fields (packaging's RawMetadata keys) and the text they were read from."""

    file: str
    fields: Mapping[str, Any]
    text: str = ""
    problems: tuple[str, ...] = ()
    headers: Mapping[str, int] = field(default_factory=dict)  # lower-case field -> first line

    def line(self, header: str) -> int:
        return self.headers.get(header.lower(), 0)


def read_core_metadata(path: str, raw: bytes) -> Metadata:
    """Parse METADATA / PKG-INFO (RFC 822 headers, body = long description) with packaging."""
    from packaging.metadata import parse_email

    text = raw.decode("utf-8", "replace")
    fields, unparsed = parse_email(text)
    problems = []
    for key in ("name", "version"):
        if key in unparsed:
            problems.append(f"{path} has several or invalid {key.title()} fields")
        elif not fields.get(key):
            problems.append(f"{path} has no {key.title()} field")
    return Metadata(path, dict(fields), text, tuple(problems), _header_lines(text))


def _header_lines(text: str) -> dict[str, int]:
    """First line of each header, up to the blank line that starts the description."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            break
        name, colon, _ = line.partition(":")
        if colon and not line[0].isspace():
            lines.setdefault(name.strip().lower(), number)
    return lines


def load_pyproject(raw: bytes | None) -> dict[str, Any]:
    """pyproject.toml as a dict; {} when absent or unreadable (the build would fail anyway)."""
    import tomllib

    if raw is None:
        return {}
    try:
        return tomllib.loads(raw.decode("utf-8", "replace"))
    except (tomllib.TOMLDecodeError, RecursionError):
        return {}


def metadata_from_pyproject(raw: bytes) -> Metadata | None:
    """Static [project] metadata (PEP 621) as RawMetadata fields; None without [project]."""
    project = load_pyproject(raw).get("project")
    if not isinstance(project, dict):
        return None
    dynamic = _strings(project.get("dynamic"))
    fields: dict[str, Any] = {}
    for key in ("name", "version", "description"):
        value = project.get(key)
        if isinstance(value, str) and key not in dynamic:
            fields["summary" if key == "description" else key] = value
    deps = _strings(project.get("dependencies"))
    extras = project.get("optional-dependencies")
    for group in extras.values() if isinstance(extras, dict) else ():
        deps.extend(_strings(group))
    fields["requires_dist"] = deps
    urls = project.get("urls")
    fields["project_urls"] = {
        k: v for k, v in (urls.items() if isinstance(urls, dict) else ()) if isinstance(v, str)
    }
    fields["classifiers"] = _strings(project.get("classifiers"))
    license_ = project.get("license")
    if isinstance(license_, str):
        fields["license_expression"] = license_
    elif isinstance(license_, dict) and isinstance(license_.get("text"), str):
        fields["license"] = license_["text"]
    people = [p for k in ("authors", "maintainers") for p in _tables(project.get(k))]
    fields["author"] = ", ".join(str(p.get("name") or p.get("email") or "") for p in people)
    if project.get("readme") or "readme" in dynamic:
        fields["description"] = "(readme)"
    text = raw.decode("utf-8", "replace")
    lines = {key: line_of_key(text, key, "project") for key in ("name", "version")}
    return Metadata("pyproject.toml", fields, text, headers=lines)


def read_setup_cfg(raw: bytes | None) -> configparser.ConfigParser | None:
    """setup.cfg as setuptools reads it (no interpolation), or None when absent or broken."""
    if raw is None:
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(raw.decode("utf-8", "replace"))
    except configparser.Error:
        return None
    return parser


def read_ini(raw: bytes) -> configparser.ConfigParser | None:
    """An entry_points.txt the way importlib.metadata reads it: `=` only, names kept as is."""
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(raw.decode("utf-8", "replace"))
    except configparser.Error:
        return None
    return parser


def line_containing(text: str, needle: str) -> int:
    """1-based line of the first occurrence of `needle` in `text`, 0 if absent."""
    at = text.find(needle) if needle else -1
    return text.count("\n", 0, at) + 1 if at != -1 else 0


def line_of_key(text: str, key: str, table: str = "") -> int:
    """Line where `key = ...` (optionally quoted, as in TOML and INI files) is assigned, looking
    after the `[table]` header when one is given and present."""
    start = 0
    if table:
        header = re.search(rf"^[ \t]*\[{re.escape(table)}\][ \t]*$", text, re.MULTILINE)
        start = header.end() if header else 0
    pattern = re.compile(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*[=:]", re.MULTILINE)
    match = pattern.search(text, start)
    return text.count("\n", 0, match.start()) + 1 if match else 0


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _tables(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
