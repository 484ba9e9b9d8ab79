"""The report interface: a renderer turns a Report into text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from depshield.model import Alert, PackageResult


@dataclass(frozen=True, slots=True)
class Occurrence:
    """Where a package appears in the project: which lockfile, which line, and why it is there."""

    lockfile: str
    line: int
    introduced_by: str  # "express > body-parser > qs"
    direct: bool = False
    dev: bool = False
    optional: bool = False
    peer: bool = False


@dataclass(frozen=True, slots=True)
class DeepView:
    """A package together with its dependencies: what the subtree can do, its worst score."""

    capabilities: Mapping[str, Sequence[str]]  # capability -> purls providing it
    score: int  # minimum overall score over the subtree
    verdict: str  # worst verdict over the subtree


@dataclass(frozen=True, slots=True)
class InputError:
    """A project file that could not be read: what it held was not checked (exit 2)."""

    file: str  # relative to the scanned root
    message: str  # one line, naming the file (and line when known)
    tip: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        return self.message + (f" (Tip: {self.tip})" if self.tip else "")


@dataclass(frozen=True, slots=True)
class Report:
    packages: Sequence[PackageResult]
    errors: Sequence[str] = field(default_factory=tuple)  # packages that could not be analysed
    show_all: bool = False  # include alerts whose action is `ignore`
    # Project scans only (empty for `depshield package`), keyed by purl:
    root: str | None = None
    lockfiles: Sequence[str] = field(default_factory=tuple)
    occurrences: Mapping[str, Sequence[Occurrence]] = field(default_factory=dict)
    edges: Sequence[tuple[str, str]] = field(default_factory=tuple)  # ("" = project, purl)
    deep: Mapping[str, DeepView] = field(default_factory=dict)
    notes: Sequence[str] = field(default_factory=tuple)
    # Lockfiles and manifests that could not be read (also listed in `errors`, as text).
    input_errors: Sequence[InputError] = field(default_factory=tuple)
    # The repository the scanned folder sits in (the nearest folder up with .git), absolute,
    # and the scanned folder relative to it ("services/api/", "" at the top): SARIF names
    # files from the repository root, as GitHub code scanning expects (docs/sarif.md).
    repo_root: str | None = None
    repo_prefix: str = ""
    quiet: bool = False  # text: only packages that warn or block, no notes (`--quiet`)

    def visible_alerts(self, result: PackageResult) -> list[Alert]:
        return [a for a in result.alerts if self.show_all or a.action != "ignore"]


class Renderer(Protocol):
    def __call__(self, report: Report, *, color: bool = False) -> str: ...
