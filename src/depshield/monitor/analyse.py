"""One release judged the way `depshield diff` judges it: the new version against the one
published before it (newCapabilityInPatch and the other change signals), with the registry's
metadata (new publisher, version jumps)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from depshield.diff import diff_packages, fetch_side
from depshield.ecosystems.pypi.index import get_project
from depshield.errors import NotFoundError
from depshield.model import Ecosystem, PackageRef, PackageResult


@dataclass(frozen=True, slots=True)
class Judged:
    result: PackageResult
    previous: str | None


def judge_release(ecosystem: Ecosystem, name: str, version: str | None) -> Judged | None:
    """None when the release is gone (unpublished or deleted since the feed named it)."""

    try:
        version, previous = _versions(ecosystem, name, version)
        new = fetch_side(PackageRef(ecosystem, name, version))
    except NotFoundError:
        return None
    if previous is None:
        return Judged(new.result, None)
    try:
        old = fetch_side(PackageRef(ecosystem, name, previous))
    except NotFoundError:
        return Judged(new.result, None)
    return Judged(diff_packages(old, new).new, previous)


def _versions(ecosystem: str, name: str, version: str | None) -> tuple[str, str | None]:
    """(the release to judge, the one before it by publication), from the registry."""
    if ecosystem == "npm":
        from depshield.ecosystems.npm.registry import get_packument

        packument = get_packument(name)
        target = version or str((packument.get("dist-tags") or {}).get("latest") or "")
        if not target or target not in (packument.get("versions") or {}):
            raise NotFoundError(f"npm:{name} has no version {target!r}")
        return target, _npm_previous(packument, target)

    if version is None:
        raise NotFoundError(f"pypi:{name}: the changelog named no version")
    doc = get_project(name)
    return version, _pypi_previous(doc, version)


def _npm_previous(packument: dict[str, Any], version: str) -> str | None:
    times = packument.get("time") or {}
    published = times.get(version)
    earlier = [
        (when, v)
        for v, when in times.items()
        if v in packument.get("versions", {}) and v != version and published and when < published
    ]
    return max(earlier)[1] if earlier else None


def _pypi_previous(doc: dict[str, Any], version: str) -> str | None:
    from packaging.version import InvalidVersion, Version

    try:
        current = Version(version)
    except InvalidVersion:
        return None
    older = []
    for candidate, files in (doc.get("releases") or {}).items():
        try:
            parsed = Version(candidate)
        except InvalidVersion:
            continue
        if parsed < current and files:
            older.append(parsed)
    return str(max(older)) if older else None
