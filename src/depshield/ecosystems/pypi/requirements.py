"""Python requirements that install from outside the index: direct URLs, VCS, local paths."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from depshield.ecosystems.npm.dependencies import GITHUB_HOSTS
from depshield.ecosystems.pypi.metadata_files import Metadata, line_containing, read_setup_cfg
from depshield.model import Finding

_VCS_SCHEMES = ("git+", "hg+", "svn+", "bzr+")


@dataclass(frozen=True, slots=True)
class Requirement:
    """One requirement string and where it was declared."""

    text: str
    file: str
    line: int
    section: str  # "requires-dist", "build-system"


def declared_requirements(
    meta: Metadata | None, files: Mapping[str, bytes], build: Mapping[str, Any]
) -> list[Requirement]:
    """Runtime requirements from the best source present, then the build requirements."""
    found = _from_metadata(meta) or _from_requires_txt(files) or _from_setup_cfg(files)
    text = files.get("pyproject.toml", b"").decode("utf-8", "replace")
    requires = build.get("requires")
    for item in requires if isinstance(requires, list) else ():
        if isinstance(item, str):
            line = line_containing(text, item)
            found.append(Requirement(item, "pyproject.toml", line, "build-system"))
    return found


def _from_metadata(meta: Metadata | None) -> list[Requirement]:
    if meta is None:
        return []
    items = meta.fields.get("requires_dist") or []
    return [
        Requirement(r, meta.file, line_containing(meta.text, r), "requires-dist") for r in items
    ]


def _from_requires_txt(files: Mapping[str, bytes]) -> list[Requirement]:
    """setuptools' egg-info/requires.txt: one requirement a line, `[extra:marker]` sections."""
    path = next((p for p in sorted(files) if p.endswith(".egg-info/requires.txt")), None)
    if path is None:
        return []
    found = []
    for number, line in enumerate(files[path].decode("utf-8", "replace").splitlines(), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "[")):
            found.append(Requirement(stripped, path, number, "requires-dist"))
    return found


def _from_setup_cfg(files: Mapping[str, bytes]) -> list[Requirement]:
    parser = read_setup_cfg(files.get("setup.cfg"))
    if parser is None:
        return []
    text = files["setup.cfg"].decode("utf-8", "replace")
    values = [parser.get("options", "install_requires", fallback="")]
    if parser.has_section("options.extras_require"):
        values.extend(v for _, v in parser.items("options.extras_require"))
    found = []
    for value in values:
        for item in (v.strip() for v in value.splitlines()):
            if item and not item.startswith("#"):
                line = line_containing(text, item)
                found.append(Requirement(item, "setup.cfg", line, "requires-dist"))
    return found


def requirement_findings(requirements: list[Requirement]) -> Iterator[Finding]:
    """One finding per requirement with a direct URL, and per requirement that does not parse."""
    for req in requirements:
        verdict = classify(req.text)
        if verdict is None:
            continue
        kind, name = verdict
        props = {"dependency": name, "spec": req.text, "section": req.section}
        yield Finding(kind, req.file, req.line, req.text, props)


def classify(text: str) -> tuple[str, str] | None:
    """(finding type, dependency name) for a PEP 508 string, or None for an index requirement."""
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Pep508

    try:
        req = Pep508(text)
    except InvalidRequirement:
        return "badSemverDependency", text.split(";")[0].strip()
    if not req.url:
        return None
    scheme = req.url.split(":", 1)[0].lower()
    try:
        host = (urlsplit(req.url).hostname or "").lower()
    except ValueError:
        host = ""
    if host in GITHUB_HOSTS:
        return "gitHubDependency", req.name
    if scheme.startswith(_VCS_SCHEMES):
        return "gitDependency", req.name
    if scheme == "file":
        return "fileDependency", req.name
    return "httpDependency", req.name
