"""The table of lockfile parsers, built on first use so that CLI start-up imports none of them."""

from __future__ import annotations

from functools import cache

from depshield.lockfiles.base import LockfileParser


@cache
def parsers() -> tuple[LockfileParser, ...]:
    """Every lockfile parser; a project file is read by the first one that `wants` it."""
    from depshield.lockfiles.bun import BunLockParser
    from depshield.lockfiles.npm_lock import NpmLockParser
    from depshield.lockfiles.package_json import PackageJsonParser
    from depshield.lockfiles.pdm import PdmLockParser
    from depshield.lockfiles.pipfile import PipfileLockParser
    from depshield.lockfiles.pnpm import PnpmLockParser
    from depshield.lockfiles.poetry import PoetryLockParser
    from depshield.lockfiles.pylock import PylockParser
    from depshield.lockfiles.pyproject import PyprojectParser
    from depshield.lockfiles.requirements import RequirementsParser
    from depshield.lockfiles.uv import UvLockParser
    from depshield.lockfiles.yarn import YarnLockParser

    return (
        NpmLockParser(),
        YarnLockParser(),
        PnpmLockParser(),
        BunLockParser(),
        UvLockParser(),
        PoetryLockParser(),
        PdmLockParser(),
        PylockParser(),
        PipfileLockParser(),
        RequirementsParser(),
        PackageJsonParser(),  # last: only a manifest, for projects without a lockfile
        PyprojectParser(),  # likewise: declared requirements, for Python projects without a lock
    )
