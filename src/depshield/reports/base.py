"""The report interface: a renderer turns a Report into text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from depshield.model import PackageResult


@dataclass(frozen=True, slots=True)
class Report:
    packages: Sequence[PackageResult]
    errors: Sequence[str] = field(default_factory=tuple)  # packages that could not be analysed
    show_all: bool = False  # include alerts whose action is `ignore`


class Renderer(Protocol):
    def __call__(self, report: Report, *, color: bool = False) -> str: ...
