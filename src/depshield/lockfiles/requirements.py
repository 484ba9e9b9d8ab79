"""pip requirements files: pins, hashes, markers, URLs, -r/-c includes, pip-compile's "via"."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from depshield.excerpts import excerpt
from depshield.gcpause import paused_gc
from depshield.lockfiles.base import LockedPackage, Lockfile, LockfileError
from depshield.lockfiles.pycommon import ECOSYSTEM, link, url_source
from depshield.lockfiles.requirements_line import (
    Line,
    Requirement,
    logical_lines,
    parse_requirement,
    split_options,
)
from depshield.project_files import (
    ProjectFileError,
    current_root,
    inside,
    read_text,
)

_USERINFO = re.compile(r"(://)[^/@\s]+@")
_VIA = re.compile(r"^#\s*via\b\s*(.*)$")
_VIA_MORE = re.compile(r"^#\s{2,}(\S.*)$")
# Options that change where pip looks for packages: recorded, never followed.
_INDEX_OPTIONS = (
    "--index-url",
    "--extra-index-url",
    "--find-links",
    "--no-index",
    "--trusted-host",
)


class RequirementsParser:
    name = "requirements"
    ecosystem = ECOSYSTEM

    def wants(self, path: Path) -> bool:
        name = path.name.lower()
        # requirements.txt, requirements-dev.txt, dev-requirements.txt, requirements/base.txt.
        return name.endswith(".txt") and (
            "requirements" in name or path.parent.name == "requirements"
        )

    @paused_gc()
    def parse(self, path: Path, text: str) -> Lockfile:
        reader = _Reader(path)
        reader.read(path, text.removeprefix("\ufeff"), constraint=False, chain=())
        return reader.result()


@dataclass
class _Entry:
    package: LockedPackage
    pinned: bool
    via: list[str] = field(default_factory=list)  # pip-compile's "# via" items
    in_via: bool = False  # inside a "# via" block: "#   item" lines continue it


@dataclass
class _Reader:
    top: Path
    entries: list[_Entry] = field(default_factory=list)
    constraints: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> version, where
    notes: list[str] = field(default_factory=list)
    done: set[tuple[Path, bool]] = field(default_factory=set)

    def read(self, path: Path, text: str, *, constraint: bool, chain: tuple[Path, ...]) -> None:
        """Read one file; includes recurse with `chain` (the files that led here) for cycles."""
        self.done.add((path.resolve(), constraint))
        chain = (*chain, path.resolve())
        current: _Entry | None = None
        for line in logical_lines(text):
            if not line.text:
                current = self._annotation(current, line.comment)
                continue
            current = None
            requirement, options = self._split(path, line)
            if requirement:
                current = self._requirement(path, line, requirement, options, constraint)
            else:
                self._options(path, line, options, constraint, chain)

    def _split(self, path: Path, line: Line) -> tuple[str, list[tuple[str, str | None]]]:
        try:
            return split_options(line.text)
        except ValueError as exc:
            raise _bad_line(path, line, str(exc)) from None

    def _requirement(
        self,
        path: Path,
        line: Line,
        text: str,
        options: list[tuple[str, str | None]],
        constraint: bool,
        editable: bool = False,
    ) -> _Entry | None:
        try:
            req = parse_requirement(text)
        except ValueError as exc:
            raise _bad_line(path, line, f"invalid requirement {text!r}: {exc}") from None
        if req is None:
            self.notes.append(
                f"{self._where(path, line)}: {text!r} is the project itself: not read"
            )
            return None
        if constraint:  # constraints only constrain: remember pins, add no package
            if req.pinned and req.url is None:
                self.constraints.setdefault(req.name, (req.version, self._where(path, line)))
            return None
        hashes = tuple(v for k, v in options if k == "--hash" and v)
        for name, value in options:
            if name != "--hash":
                self.notes.append(
                    f"{self._where(path, line)}: {req.name} option {name} {value or ''}".rstrip()
                )
        entry = _Entry(self._package(path, line, req, hashes), req.pinned or req.url is not None)
        if editable:
            self.notes.append(f"{self._where(path, line)}: {req.name} is installed editable (-e)")
        self.entries.append(entry)
        return entry

    def _package(
        self, path: Path, line: Line, req: Requirement, hashes: tuple[str, ...]
    ) -> LockedPackage:
        # By position (keywords took 2.5 times as long, issue 17), in LockedPackage's order.
        return LockedPackage(
            ECOSYSTEM,
            req.name,
            req.version,
            line.number,
            req.url,  # resolved
            hashes,
            url_source(req.url) if req.url else "registry",
            True,  # direct
            False,  # dev
            False,  # optional
            False,  # peer
            req.marker,
            None if path is self.top or path == self.top else str(path),  # file
        )

    def _options(
        self,
        path: Path,
        line: Line,
        options: list[tuple[str, str | None]],
        constraint: bool,
        chain: tuple[Path, ...],
    ) -> None:
        for name, value in options:
            if name in ("--requirement", "--constraint") and value:
                self._include(path, line, value, constraint or name == "--constraint", chain)
            elif name == "--editable" and value:
                self._requirement(path, line, value, [], constraint, editable=True)
            elif name in _INDEX_OPTIONS:
                shown = _USERINFO.sub(r"\1***@", f"{name} {value or ''}".strip())
                self.notes.append(f"{self._where(path, line)}: {shown} (recorded, not followed)")
            else:
                self.notes.append(
                    f"{self._where(path, line)}: option {name} {value or ''}".rstrip()
                )

    def _include(
        self, path: Path, line: Line, target: str, constraint: bool, chain: tuple[Path, ...]
    ) -> None:
        kind = "constraints" if constraint else "requirements"
        if "://" in target or os.path.isabs(target):
            self.notes.append(
                f"{self._where(path, line)}: {kind} file {excerpt(target)!r} not followed "
                "(only relative paths are read)"
            )
            return
        # pip reads an included file relative to the file that includes it.
        included = Path(os.path.normpath(path.parent / target))
        if not inside(included, current_root(self.top.parent)):
            # `-r ../../../proc/self/environ` would quote the runner's secrets (issue 17).
            raise ProjectFileError(
                str(path),
                f"{kind} file {excerpt(target)!r} is outside the project",
                line=line.number,
                tip="include only files inside the checkout",
            )
        resolved = included.resolve()
        if resolved in chain:
            cycle = " -> ".join([*(p.name for p in chain), included.name])
            self.notes.append(f"{self._where(path, line)}: include cycle {cycle}: not read again")
            return
        if (resolved, constraint) in self.done:
            return  # already read through another include
        if not included.exists():
            raise LockfileError(
                str(path),
                line.number,
                f"{kind} file {excerpt(target)!r} not found",
                tip=f"create {excerpt(str(included))!r} or fix the -{kind[0]} line",
            )
        text = read_text(included, root=current_root(self.top.parent), errors="replace")
        self.read(included, text.removeprefix("\ufeff"), constraint=constraint, chain=chain)

    def _annotation(self, current: _Entry | None, comment: str) -> _Entry | None:
        """pip-compile's "# via a, b" or "# via" + "#   a" lines under a requirement."""
        if current is None or not comment:
            return None
        found = _VIA.match(comment) or (_VIA_MORE.match(comment) if current.in_via else None)
        if found is None:
            return None if current.in_via else current
        current.in_via = True
        current.via.extend(i.strip() for i in found.group(1).split(",") if i.strip())
        return current

    def _where(self, path: Path, line: Line) -> str:
        return f"{path}:{line.number}"

    def result(self) -> Lockfile:
        unique: dict[str, _Entry] = {}
        for entry in self.entries:
            entry = self._constrained(entry)
            unique.setdefault(entry.package.key, entry)
        packages, dependencies, roots = _graph(list(unique.values()))
        edges = link(packages, dependencies, [(name, None) for name in roots])
        fmt = "requirements"
        return Lockfile(
            str(self.top), ECOSYSTEM, fmt, tuple(packages), tuple(edges), tuple(self.notes)
        )

    def _constrained(self, entry: _Entry) -> _Entry:
        if entry.pinned:
            return entry
        package = entry.package
        pin = self.constraints.get(package.name)
        if pin is None:
            self.notes.append(
                f"{package.name} {package.version or 'any version'!r} is not pinned "
                f"({package.file or self.top}:{package.line})"
            )
            return entry
        self.notes.append(f"{package.name} pinned to {pin[0]} by the constraints file ({pin[1]})")
        return replace(entry, package=replace(package, version=pin[0]), pinned=True)


def _graph(
    entries: list[_Entry],
) -> tuple[list[LockedPackage], dict[str, list[tuple[str, str | None]]], list[str]]:
    """Direct packages and parent -> child edges from pip-compile's "via" annotations.

    Without annotations every line is a direct requirement; with them, a package is direct when
    a requirements file ("-r ...") asks for it and a child of each package named after "via".
    """
    names = {e.package.name: e.package.key for e in entries}
    packages: list[LockedPackage] = []
    dependencies: dict[str, list[tuple[str, str | None]]] = {}
    roots: list[str] = []
    for entry in entries:
        parents = [names[n] for n in (_via_name(v) for v in entry.via) if n in names]
        direct = not entry.via or any(v.startswith("-") for v in entry.via) or not parents
        packages.append(entry.package if direct else replace(entry.package, direct=False))
        if direct:
            roots.append(entry.package.name)
        for parent in parents:
            dependencies.setdefault(parent, []).append((entry.package.name, entry.package.version))
    return packages, dependencies, roots


def _via_name(item: str) -> str:
    from depshield.lockfiles.pycommon import normalize

    return normalize(re.split(r"[\s\[]", item.strip(), maxsplit=1)[0])


def _bad_line(path: Path, line: Line, problem: str) -> LockfileError:
    return LockfileError(
        str(path),
        line.number,
        problem,
        tip="pip reads 'name==1.0', 'name @ URL', a URL or a path, and its options (-r, -c, -e)",
    )
