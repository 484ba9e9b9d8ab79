"""PyPI manifest analysis: what a wheel's or an sdist's own metadata says and what runs when."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from depshield.ecosystems.base import ManifestAnalysis
from depshield.ecosystems.pypi.commands import Command, command_findings, declared_commands
from depshield.ecosystems.pypi.hygiene import (
    home_urls,
    hygiene_findings,
    license_classifiers,
    license_of,
)
from depshield.ecosystems.pypi.install_code import install_code
from depshield.ecosystems.pypi.metadata_files import (
    KEPT,
    Layout,
    Metadata,
    find_layout,
    load_pyproject,
    metadata_from_pyproject,
    read_core_metadata,
)
from depshield.ecosystems.pypi.requirements import (
    Requirement,
    declared_requirements,
    requirement_findings,
)
from depshield.model import Finding

# Folders whose modules are not part of what `import` loads.
_NOT_IMPORTED = frozenset(
    {"tests", "test", "testing", "docs", "doc", "examples", "example", "benchmarks", "benchmark"}
)
# Root files of a source tree that tools run, never `import` (setup.py runs at install).
_ROOT_TOOLING = frozenset(
    {"setup.py", "conftest.py", "noxfile.py", "tasks.py", "fabfile.py", "hatch_build.py",
     "pdm_build.py"}
)  # fmt: skip
# Root folders of a source tree that hold scripts maintainers run (`scripts/release.py`).
_ROOT_SCRIPT_DIRS = frozenset({"scripts", "tools", "ci", "dev", "bin"})
_TEST_MODULE = re.compile(r"^(test_.*|.*_test|conftest)\.py$")


def keeps(path: str) -> bool:
    """Core metadata, entry points, requires.txt, setup.cfg, pyproject.toml and root .pth files."""
    return KEPT.match(path) is not None


def read_manifest(files: Mapping[str, bytes], paths: Sequence[str]) -> ManifestAnalysis:
    """Findings, entry files, license and raw fields of a wheel's or an sdist's metadata."""
    present = frozenset(paths)
    layout = find_layout(present)
    pyproject = load_pyproject(files.get("pyproject.toml")) if layout.kind == "sdist" else {}
    meta = _metadata(layout, files)
    findings: list[Finding] = list(_invalid(layout, meta, present))
    fields: Mapping[str, Any] = meta.fields if meta else {}
    name, version = _text(fields.get("name")), _text(fields.get("version"))
    if version and meta and not _is_pep440(version):
        props = {"version": version}
        findings.append(Finding("badSemver", meta.file, meta.line("version"), version, props))
    build = pyproject.get("build-system")
    build = build if isinstance(build, dict) else {}
    requirements = declared_requirements(meta, files, build)
    findings.extend(requirement_findings(requirements))
    code = install_code(layout.kind, files, present, pyproject)
    findings.extend(code.findings)
    commands = declared_commands(files, present, pyproject)
    findings.extend(command_findings(commands, name))
    if meta is not None:
        findings.extend(hygiene_findings(layout.kind, meta.file, fields, present))
    return ManifestAnalysis(
        name=name,
        version=version,
        findings=tuple(findings),
        install_entries=code.entries,
        import_entries=import_entries(layout.kind, present, code.entries),
        license=license_of(fields),
        extra=_extra(layout, meta, requirements, commands),
    )


def _extra(
    layout: Layout, meta: Metadata | None, requirements: list[Requirement], commands: list[Command]
) -> dict[str, Any]:
    """Raw facts later stages need: requirements, classifiers, URLs, summary, commands."""
    fields: Mapping[str, Any] = meta.fields if meta else {}
    return {
        "kind": layout.kind,
        "metadata_file": meta.file if meta else None,
        "requires_dist": [r.text for r in requirements if r.section == "requires-dist"],
        "build_requires": [r.text for r in requirements if r.section == "build-system"],
        "classifiers": list(fields.get("classifiers") or []),
        "license_classifiers": license_classifiers(fields),
        "project_urls": dict(fields.get("project_urls") or {}),
        "summary": _text(fields.get("summary")),
        "home_urls": home_urls(fields),
        "scripts": {c.name: c.target for c in commands},
    }


def _metadata(layout: Layout, files: Mapping[str, bytes]) -> Metadata | None:
    """The core metadata file, else (sdists and source trees) static pyproject metadata."""
    if layout.metadata and layout.metadata in files:
        return read_core_metadata(layout.metadata, files[layout.metadata])
    if layout.kind == "sdist" and "pyproject.toml" in files:
        return metadata_from_pyproject(files["pyproject.toml"])
    return None


def _invalid(layout: Layout, meta: Metadata | None, paths: Collection[str]) -> Iterator[Finding]:
    """invalidPackageJSON: unusable wheel metadata, broken PKG-INFO, or no metadata at all."""
    reasons: list[str] = [layout.problem] if layout.problem else []
    if meta is not None and meta.file != "pyproject.toml":
        reasons.extend(meta.problems)
    buildable = {"setup.py", "pyproject.toml", "setup.cfg"}.intersection(paths)
    if meta is None and not reasons and (layout.kind == "wheel" or not buildable):
        reasons.append("no PKG-INFO, METADATA or build configuration")
    file = (meta.file if meta else layout.metadata) or "PKG-INFO"
    for reason in reasons:
        header = "version" if "Version" in reason else "name"
        line = meta.line(header) if meta else 0
        yield Finding("invalidPackageJSON", file, line, reason, {"reason": reason})


def _is_pep440(version: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        Version(version)
    except InvalidVersion:
        return False
    return True


def import_entries(kind: str, paths: Collection[str], install: Collection[str]) -> tuple[str, ...]:
    """Every module `import` can load: package __init__ files and modules, outside tests, docs,
    examples and benchmarks; a wheel's metadata and non-library data are not modules."""
    found = []
    for path in sorted(paths):
        if not path.endswith(".py") or path in install:
            continue
        parts = path.split("/")
        if kind == "wheel" and parts[0].endswith(".data"):
            if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                continue
            parts = parts[2:]
        elif any(p.endswith((".dist-info", ".egg-info")) for p in parts[:-1]):
            continue
        if len(parts) == 1 and parts[0] in _ROOT_TOOLING:
            continue
        if (
            len(parts) > 1
            and parts[0] in _ROOT_SCRIPT_DIRS
            and f"{parts[0]}/__init__.py" not in paths
        ):
            continue  # maintainer scripts beside the package, not a package of their own
        if _NOT_IMPORTED.intersection(parts[:-1]) or _TEST_MODULE.match(posixpath.basename(path)):
            continue
        found.append(path)
    return tuple(found)


def _maintainer_script(parts: list[str], paths: Collection[str]) -> bool:
    """`scripts/release.py`: a script beside the package, in a root folder that is no package
    of its own, which nothing installs."""
    root = parts[0]
    return len(parts) > 1 and root in _ROOT_SCRIPT_DIRS and f"{root}/__init__.py" not in paths


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
