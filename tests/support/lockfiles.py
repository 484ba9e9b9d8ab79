"""Parsing lockfile fixtures in tests: one `parse` per parser, and packages by key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from depshield.lockfiles.base import LockedPackage, Lockfile

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lockfiles"
NPM = FIXTURES / "npm"
PYTHON = FIXTURES / "python"


def fixture_parser(
    parser: Any, folder: Path, *, with_manifest: bool = False
) -> Callable[..., Lockfile]:
    """`parse(name[, manifest])` for the fixture `folder/name`; `with_manifest` parsers read the
    package.json text beside the lock (None: no manifest)."""

    def parse(name: str, manifest: Any = None) -> Lockfile:
        path = folder / name
        text = path.read_text()
        if with_manifest:
            return parser.parse_with_manifest(path, text, manifest)  # type: ignore[no-any-return]
        return parser.parse(path, text)  # type: ignore[no-any-return]

    return parse


def by_key(lockfile: Lockfile) -> dict[str, LockedPackage]:
    return {p.key: p for p in lockfile.packages}
