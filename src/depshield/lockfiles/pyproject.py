"""pyproject.toml without a lock: the declared requirements, their versions still specifiers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from depshield import project_files
from depshield.lockfiles.base import ROOT, LockedPackage, Lockfile, LockfileError
from depshield.lockfiles.pycommon import ECOSYSTEM, load_toml, normalize, url_source

Kind = Literal["main", "optional", "dev"]
UNRESOLVED = "unresolved: resolved against the index at scan time"
_POETRY_URL_KEYS = ("git", "url", "path")


@dataclass(frozen=True, slots=True)
class Declared:
    """One requirement a pyproject.toml declares (PEP 621, PEP 735 or Poetry tables)."""

    name: str  # PEP 503 normalised
    specifier: str  # as declared: ">=1,<2", Poetry's "^1.2", "" for any version
    line: int
    kind: Kind
    group: str = ""  # the extra or dependency group; "" for the main dependencies
    marker: str | None = None
    url: str | None = None  # direct reference: VCS URL, archive URL or path


def declared_requirements(text: str, path: Path = Path("pyproject.toml")) -> tuple[Declared, ...]:
    """Every requirement `text` declares: [project], [dependency-groups], [tool.poetry]."""
    data = load_toml(path, text)
    finder = _Lines(text)
    found: list[Declared] = []
    project = _table(data.get("project"))
    found += _pep508(project.get("dependencies"), "main", "", finder, path)
    for extra, items in _table(project.get("optional-dependencies")).items():
        found += _pep508(items, "optional", extra, finder, path)
    for group, items in _table(data.get("dependency-groups")).items():
        # {include-group = "..."} entries repeat a group that is read on its own anyway.
        found += _pep508(items, "dev", group, finder, path)
    found += _poetry(_table(_table(data.get("tool")).get("poetry")), finder, path)
    return tuple(found)


class PyprojectParser:
    name = "pyproject"
    ecosystem = ECOSYSTEM

    def wants(self, path: Path) -> bool:
        return path.name == "pyproject.toml"

    def parse(self, path: Path, text: str) -> Lockfile:
        merged: dict[str, LockedPackage] = {}
        for item in declared_requirements(text, path):
            package = LockedPackage(
                ECOSYSTEM,
                item.name,
                item.specifier,
                line=item.line,
                resolved=item.url,
                source=url_source(item.url) if item.url else "registry",
                direct=True,
                dev=item.kind == "dev",
                optional=item.kind == "optional",
                marker=item.marker,
            )
            seen = merged.get(package.key)
            # Declared in several places: a main requirement is neither dev nor optional.
            merged[package.key] = package if seen is None else _merge(seen, package)
        packages = tuple(merged.values())
        edges = tuple((ROOT, p.key) for p in packages)
        return Lockfile(str(path), ECOSYSTEM, "pyproject", packages, edges, (UNRESOLVED,))


def _merge(first: LockedPackage, other: LockedPackage) -> LockedPackage:
    from dataclasses import replace

    return replace(first, dev=first.dev and other.dev, optional=first.optional and other.optional)


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _pep508(items: Any, kind: Kind, group: str, finder: _Lines, path: Path) -> list[Declared]:
    from packaging.requirements import InvalidRequirement, Requirement

    found: list[Declared] = []
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, str):
            continue
        line = finder.string(item)
        try:
            req = Requirement(item)
        except InvalidRequirement as exc:
            raise LockfileError(
                str(path),
                line,
                f"invalid requirement {item!r}: {exc}",
                tip="write it as PEP 508, e.g. 'name>=1.0' or 'name @ https://host/x.whl'",
            ) from None
        marker = str(req.marker) if req.marker else None
        found.append(
            Declared(normalize(req.name), str(req.specifier), line, kind, group, marker, req.url)
        )
    return found


def _poetry(poetry: dict[str, Any], finder: _Lines, path: Path) -> list[Declared]:
    sections: list[tuple[str, Kind, str, Any]] = [
        ("tool.poetry.dependencies", "main", "", poetry.get("dependencies")),
        ("tool.poetry.dev-dependencies", "dev", "dev", poetry.get("dev-dependencies")),
    ]
    for group, body in _table(poetry.get("group")).items():
        sections.append(
            (
                f"tool.poetry.group.{group}.dependencies",
                "dev",
                group,
                _table(body).get("dependencies"),
            )
        )
    extras = {
        normalize(n): extra
        for extra, names in _table(poetry.get("extras")).items()
        for n in (names if isinstance(names, list) else ())
        if isinstance(n, str)
    }
    found: list[Declared] = []
    for section, kind, group, deps in sections:
        for name, spec in _table(deps).items():
            if name.lower() == "python":  # the interpreter constraint, not a package
                continue
            found.append(_poetry_one(name, spec, finder.key(section, name), kind, group, extras))
    return found


def _poetry_one(
    name: str, spec: Any, line: int, kind: Kind, group: str, extras: dict[str, str]
) -> Declared:
    # A dependency is a string, a table, or a list of tables (one per Python/platform range).
    entries = spec if isinstance(spec, list) else [spec]
    tables = [e for e in entries if isinstance(e, dict)]
    versions = [
        e if isinstance(e, str) else str(e.get("version", ""))
        for e in entries
        if isinstance(e, str | dict)
    ]
    # A git table gets pip's "git+" prefix, so its source reads as VCS like any other.
    url = next(
        (
            f"git+{t[k]}" if k == "git" else str(t[k])
            for t in tables
            for k in _POETRY_URL_KEYS
            if k in t
        ),
        None,
    )
    marker = next((str(t["markers"]) for t in tables if "markers" in t), None)
    if any(t.get("optional") is True for t in tables) and kind == "main":
        kind, group = "optional", extras.get(normalize(name), "")
    specifier = " || ".join(v for v in versions if v and v != "*")
    return Declared(normalize(name), specifier, line, kind, group, marker, url)


class _Lines:
    """Finds the line of a requirement string or a table key; TOML parsers keep no positions."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _line(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1 if offset >= 0 else 0

    def string(self, value: str) -> int:
        for quote in ('"', "'"):
            offset = self.text.find(f"{quote}{value}{quote}")
            if offset >= 0:
                return self._line(offset)
        return 0

    def key(self, section: str, name: str) -> int:
        dotted = r"[ \t]*\.[ \t]*".join(re.escape(part) for part in section.split("."))
        header = re.search(rf"^[ \t]*\[[ \t]*{dotted}[ \t]*\]", self.text, re.M)
        start = header.end() if header else 0
        key = re.compile(rf"^[ \t]*[\"']?{re.escape(name)}[\"']?[ \t]*=", re.M)
        found = key.search(self.text, start)
        if found is None:  # the [section.name] sub-table form
            sub = rf"^[ \t]*\[[ \t]*{dotted}[ \t]*\.[ \t]*{re.escape(name)}[ \t]*\]"
            found = re.search(sub, self.text, re.M)
        return self._line(found.start()) if found else 0


@dataclass(frozen=True, slots=True)
class Roots:
    """What the pyproject.toml beside a lockfile asks for."""

    kinds: dict[str, Kind]  # declared name -> main / optional / dev
    extras: frozenset[str]  # the names of its extras (normalised)


def sibling_roots(lockfile: Path) -> tuple[Roots | None, str | None]:
    """The requirements of the pyproject.toml beside `lockfile`, or a note saying none.

    poetry.lock, pdm.lock and pylock.toml do not record which packages the project asks for;
    the manifest beside them does.
    """
    manifest = lockfile.parent / "pyproject.toml"
    try:
        text = project_files.read_text(manifest)
        declared = declared_requirements(text, manifest)
    except (OSError, UnicodeDecodeError, LockfileError):
        return None, f"direct dependencies unknown: no readable {str(manifest)!r} beside it"
    kinds: dict[str, Kind] = {}
    order = ("main", "optional", "dev")
    for item in declared:
        # Declared as a main dependency anywhere makes it main; optional beats dev.
        if item.name not in kinds or order.index(item.kind) < order.index(kinds[item.name]):
            kinds[item.name] = item.kind
    extras = frozenset(normalize(i.group) for i in declared if i.kind == "optional" and i.group)
    return Roots(kinds, extras), None
