"""Classifying the package changes between two parsed project states (no network)."""

from __future__ import annotations

from depshield.lockfiles.base import ROOT, LockedPackage, Lockfile
from depshield.pr.changes import diff_lockfiles


def lock(*packages: LockedPackage, edges: tuple[tuple[str, str], ...] = ()) -> Lockfile:
    if not edges:
        edges = tuple((ROOT, p.key) for p in packages if p.direct)
    return Lockfile("package-lock.json", "npm", "package-lock@3", packages, edges)


def npm(name: str, version: str, direct: bool = True, **kw: object) -> LockedPackage:
    return LockedPackage("npm", name, version, line=3, direct=direct, **kw)  # type: ignore[arg-type]


def test_added_removed_upgraded_downgraded() -> None:
    base = lock(
        npm("keep", "1.0.0"), npm("gone", "2.0.0"), npm("up", "1.0.0"), npm("down", "3.1.0")
    )
    head = lock(npm("keep", "1.0.0"), npm("new", "0.1.0"), npm("up", "1.2.0"), npm("down", "3.0.9"))
    found = {(c.name, c.kind, c.old, c.new) for c in diff_lockfiles([base], [head])}
    assert found == {
        ("down", "downgraded", "3.1.0", "3.0.9"),
        ("gone", "removed", "2.0.0", None),
        ("new", "added", None, "0.1.0"),
        ("up", "upgraded", "1.0.0", "1.2.0"),
    }


def test_versions_compare_as_semver_not_text() -> None:
    base = lock(npm("lib", "1.9.0"))
    head = lock(npm("lib", "1.10.0"))
    [change] = diff_lockfiles([base], [head])
    assert (change.kind, change.old, change.new) == ("upgraded", "1.9.0", "1.10.0")


def test_transitive_change_carries_the_path_that_brings_it_in() -> None:
    parent, child = npm("express", "4.0.0"), npm("qs", "6.0.0", direct=False)
    edges = ((ROOT, parent.key), (parent.key, child.key))
    new_child = npm("qs", "6.0.1", direct=False)
    base = lock(parent, child, edges=edges)
    head = lock(parent, new_child, edges=((ROOT, parent.key), (parent.key, new_child.key)))
    [change] = diff_lockfiles([base], [head])
    assert change.kind == "upgraded"
    assert change.direct is False
    assert change.introduced_by == "express > qs"


def test_a_second_version_beside_the_old_one() -> None:
    # npm nests a second copy: the old one stays, the new one is an upgrade of the closest.
    base = lock(npm("lib", "1.0.0"))
    head = lock(npm("lib", "1.0.0"), npm("lib", "2.0.0", direct=False))
    [change] = diff_lockfiles([base], [head])
    assert (change.kind, change.old, change.new) == ("upgraded", "1.0.0", "2.0.0")


def test_pypi_names_compare_canonicalised() -> None:
    base = Lockfile(
        "requirements.txt", "pypi", "requirements", (LockedPackage("pypi", "Foo_Bar", "1.0"),)
    )
    head = Lockfile(
        "requirements.txt", "pypi", "requirements", (LockedPackage("pypi", "foo-bar", "1.1"),)
    )
    [change] = diff_lockfiles([base], [head])
    assert (change.kind, change.old, change.new) == ("upgraded", "1.0", "1.1")


def test_nothing_changed_means_no_changes() -> None:
    same = lock(npm("a", "1.0.0"), npm("b", "2.0.0"))
    assert diff_lockfiles([same], [same]) == []
