"""`pip install ./project`, a local wheel or sdist (issue 12): the folder or archive is analysed
from disk like any package (its setup.py included, never run) and decides by its verdict; what it
depends on is read as data (pyproject.toml, a wheel's METADATA) and resolved from the index."""

from __future__ import annotations

import re
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from depshield.guard.pip_index import pyproject_requirements, requirement_pairs
from depshield.lockfiles.base import LockedPackage

WHEEL = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$")
SDIST = re.compile(r"^(?P<name>.+?)-(?P<version>\d[^-]*)\.(tar\.gz|zip|tar\.bz2|tgz|tar)$")
MAX_METADATA = 4 * 1024 * 1024


@dataclass
class Local:
    packages: list[LockedPackage] = field(default_factory=list)  # the local items themselves
    requirements: list[tuple[str, str]] = field(default_factory=list)  # what they declare
    unchecked: list[str] = field(default_factory=list)


def local_items(items: list[str], cwd: Path) -> Local:
    found = Local()
    for item in items:
        path = (cwd / item.removeprefix("file:")).expanduser()
        if path.is_dir():
            _folder(item, path.resolve(), found)
        elif path.is_file() and (WHEEL.match(path.name) or SDIST.match(path.name)):
            _archive(item, path.resolve(), found)
        else:
            found.unchecked.append(f"{item}: pip builds it from source; it is not checked")
    return found


def _folder(item: str, folder: Path, found: Local) -> None:

    name, version = _pyproject_name(folder)
    found.packages.append(_package(name or folder.name, version, folder))
    declared = pyproject_requirements(folder)
    if declared is None:
        found.unchecked.append(
            f"{item}: its dependencies are declared by its setup code: they are not checked"
        )
    else:
        found.requirements += declared


def _archive(item: str, path: Path, found: Local) -> None:
    match = WHEEL.match(path.name) or SDIST.match(path.name)
    assert match is not None
    from packaging.utils import canonicalize_name

    # File names spell the project with underscores (PEP 427, PEP 625): the index's name.
    found.packages.append(_package(canonicalize_name(match["name"]), match["version"], path))
    declared = _wheel_requirements(path) if path.name.endswith(".whl") else None
    if declared is None:
        found.unchecked.append(
            f"{item}: its dependencies are only known once pip builds it: they are not checked"
        )
    else:
        found.requirements += declared


def _package(name: str, version: str, path: Path) -> LockedPackage:
    return LockedPackage("pypi", name, version, resolved=str(path), source="file", direct=True)


def _pyproject_name(folder: Path) -> tuple[str, str]:
    try:
        data = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return "", ""
    project = data.get("project")
    if not isinstance(project, dict):
        return "", ""
    return str(project.get("name") or ""), str(project.get("version") or "")


def _wheel_requirements(path: Path) -> list[tuple[str, str]] | None:
    """Requires-Dist of the wheel's METADATA (read as data), with this Python's markers."""
    from email.parser import HeaderParser

    try:
        with zipfile.ZipFile(path) as wheel:
            names = [n for n in wheel.namelist() if n.count("/") == 1]
            meta = next((n for n in names if n.endswith(".dist-info/METADATA")), None)
            if meta is None or wheel.getinfo(meta).file_size > MAX_METADATA:
                return None
            text = wheel.read(meta).decode("utf-8", errors="replace")
    except (OSError, zipfile.BadZipFile):
        return None

    return requirement_pairs(HeaderParser().parsestr(text).get_all("Requires-Dist") or [])
