"""The dependency diff of two project states: packages added, removed, upgraded, downgraded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from depshield.ecosystems.plugins import plugin
from depshield.lockfiles.base import LockedPackage, Lockfile
from depshield.lockfiles.graph import introduced_by
from depshield.model import PackageRef, ecosystem_of

ChangeKind = Literal["added", "removed", "upgraded", "downgraded", "changed"]
LOCAL_SOURCES = ("file", "link", "workspace")


@dataclass(frozen=True, slots=True)
class Change:
    """One package version the change brings in or takes out, and where it sits in the graph."""

    kind: ChangeKind
    ecosystem: str
    name: str
    old: str | None  # the version before (None when added)
    new: str | None  # the version after (None when removed)
    direct: bool
    dev: bool
    lockfile: str
    line: int
    introduced_by: str  # "express > body-parser > qs"
    package: LockedPackage | None = None  # the head entry (None when removed)
    previous: LockedPackage | None = None  # the base entry (None when added)

    @property
    def ref(self) -> PackageRef:
        version = self.new if self.new else self.old
        return PackageRef(ecosystem_of(self.ecosystem), self.name, version)

    @property
    def brings_code(self) -> bool:
        """Whether there is something new to analyse (everything but a removal)."""
        return self.kind != "removed"

    @property
    def local(self) -> bool:
        return self.package is not None and self.package.source in LOCAL_SOURCES

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "ecosystem": self.ecosystem,
            "name": self.name,
            "from": self.old,
            "to": self.new,
            "purl": self.ref.purl,
            "direct": self.direct,
            "dev": self.dev,
            "lockfile": self.lockfile,
            "line": self.line,
            "introducedBy": self.introduced_by,
            "source": (self.package or self.previous).source  # type: ignore[union-attr]
            if (self.package or self.previous)
            else "registry",
        }


@dataclass(frozen=True, slots=True)
class _Seen:
    pkg: LockedPackage
    lockfile: str
    path: str


Index = dict[tuple[str, str], dict[str, _Seen]]  # (ecosystem, name) -> version -> first seen


def diff_lockfiles(base: Sequence[Lockfile], head: Sequence[Lockfile]) -> list[Change]:
    """Every package version present on one side only, classified; sorted by name."""
    before, after = _index(base), _index(head)
    changes: list[Change] = []
    for key in sorted(before.keys() | after.keys()):
        changes += _classify(key[0], before.get(key, {}), after.get(key, {}))
    return changes


def _index(lockfiles: Sequence[Lockfile]) -> Index:

    index: Index = {}
    for lock in lockfiles:
        paths = introduced_by(lock)
        for pkg in lock.packages:
            versions = index.setdefault((pkg.ecosystem, _norm(pkg.ecosystem, pkg.name)), {})
            seen = versions.get(pkg.version)
            # A direct use explains the package best; otherwise the first lockfile's entry.
            if seen is None or (pkg.direct and not seen.pkg.direct):
                versions[pkg.version] = _Seen(pkg, lock.path, paths.get(pkg.key, pkg.name))
    return index


def _classify(ecosystem: str, old: dict[str, _Seen], new: dict[str, _Seen]) -> list[Change]:
    gone = _sorted(ecosystem, [v for v in old if v not in new])
    came = _sorted(ecosystem, [v for v in new if v not in old])
    if not old:
        return [_change("added", None, new[v]) for v in came]
    if not new:
        return [_change("removed", old[v], None) for v in gone]
    changes: list[Change] = []
    for index, version in enumerate(came):
        # Pair the i-th new version with the i-th removed one; extra new versions are compared
        # with the closest version the project already had.
        partner = gone[index] if index < len(gone) else _closest(ecosystem, list(old), version)
        up = _key(ecosystem, version) > _key(ecosystem, partner)
        kind: ChangeKind = "upgraded" if up else "downgraded"
        changes.append(_change(kind, old[partner], new[version]))
    changes += [_change("removed", old[v], None) for v in gone[len(came) :]]
    return changes


def _change(kind: ChangeKind, old: _Seen | None, new: _Seen | None) -> Change:
    shown = new or old
    assert shown is not None
    pkg = shown.pkg
    return Change(
        kind=kind,
        ecosystem=pkg.ecosystem,
        name=pkg.name,
        old=old.pkg.version if old else None,
        new=new.pkg.version if new else None,
        direct=pkg.direct,
        dev=pkg.dev,
        lockfile=shown.lockfile,
        line=pkg.line,
        introduced_by=shown.path,
        package=new.pkg if new else None,
        previous=old.pkg if old else None,
    )


def _closest(ecosystem: str, versions: list[str], version: str) -> str:
    """The highest version below `version`, else the lowest one."""
    ordered = _sorted(ecosystem, versions)
    below = [v for v in ordered if _key(ecosystem, v) < _key(ecosystem, version)]
    return below[-1] if below else ordered[0]


def _sorted(ecosystem: str, versions: list[str]) -> list[str]:
    return sorted(versions, key=lambda v: _key(ecosystem, v))


def _key(ecosystem: str, version: str) -> tuple[int, Any, str]:
    """Version order; versions neither semver nor PEP 440 sort after the valid ones, by text."""

    try:
        return 0, plugin(ecosystem).version_key(version)[0], version
    except (ValueError, TypeError):
        return 1, (), version


def _norm(ecosystem: str, name: str) -> str:

    return plugin(ecosystem).canonical_name(name)
