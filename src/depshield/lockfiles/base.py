"""The lockfile parser interface and the graph it produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from depshield.errors import DepshieldError
from depshield.model import PackageRef, ecosystem_of

Source = Literal["registry", "git", "http", "file", "link", "workspace"]


# The longest problem a parse error states: its own words and a short quote of what it met
# (a YAML tag, a lockfile key). Whatever a parser's message quotes from the file stops here,
# on one line, control characters escaped (issue 17, docs/security.md).
PROBLEM_CHARS = 200


class LockfileError(DepshieldError):
    """A lockfile or manifest that cannot be parsed; the message names the file and line."""

    def __init__(self, path: str, line: int | None, problem: str, *, tip: str | None = None):
        from depshield.excerpts import excerpt

        where = f"{path}:{line}" if line else path
        super().__init__(f"cannot parse {where}: {excerpt(problem, PROBLEM_CHARS)}", tip=tip)
        self.path = path
        self.line = line


@dataclass(frozen=True, slots=True)
class LockedFile:
    """One release file a Python lock names for a package (an sdist or a wheel)."""

    name: str  # the file name ("x-1.0.tar.gz", "x-1.0-py3-none-any.whl")
    hashes: tuple[str, ...]  # as recorded: "sha256:<hex>"
    url: str | None = None  # as recorded; the index's own address is what is fetched
    size: int | None = None  # bytes, when the lock records it (uv, pylock)


@dataclass(frozen=True, slots=True)
class LockedPackage:
    """One resolved package as a lockfile records it."""

    ecosystem: str
    name: str
    version: str
    line: int = 0  # 1-based line of the entry in the lockfile
    resolved: str | None = None  # URL, git URL or path exactly as recorded
    hashes: tuple[str, ...] = ()  # as recorded: "sha512-<base64>", "sha256:<hex>", "sha1-..."
    source: Source = "registry"
    direct: bool = False
    dev: bool = False
    optional: bool = False
    peer: bool = False
    marker: str | None = None  # PEP 508 environment marker the lock records (pypi)
    file: str | None = None  # the file holding the entry when not Lockfile.path (-r includes)
    # pypi: the release files the lock names, when it names them (uv, poetry, pdm, pylock).
    files: tuple[LockedFile, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def ref(self) -> PackageRef:
        return PackageRef(ecosystem_of(self.ecosystem), self.name, self.version)


ROOT = ""  # the parent key of the project's direct dependencies


@dataclass(frozen=True, slots=True)
class Lockfile:
    path: str  # as given, relative to the scan root when found by walking
    ecosystem: str
    format: str  # "package-lock@3", "yarn@1", "yarn@berry", "pnpm@9", "requirements", ...
    packages: tuple[LockedPackage, ...]
    # (parent key, child key); parent ROOT for the project's direct dependencies.
    edges: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)  # out of sync with manifest, etc.


class LockfileParser(Protocol):
    name: str
    ecosystem: str

    def wants(self, path: Path) -> bool:
        """Whether this parser reads the file at `path` (by name; content is not read)."""
        ...

    def parse(self, path: Path, text: str) -> Lockfile:
        """Parse `text` (the file's content); raise LockfileError naming file and line."""
        ...
