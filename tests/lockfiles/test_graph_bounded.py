"""The graph summaries stay linear on hostile shapes (issue 17): deep chains and cycles."""

from __future__ import annotations

import random

from depshield.lockfiles.base import ROOT, LockedPackage, Lockfile
from depshield.lockfiles.graph import Graph, components, introduced_by
from depshield.model import PackageRef, PackageResult, Scores
from depshield.scan.deep import VERDICT_RANK, deep_views


def _chain(n: int) -> Lockfile:
    packages = tuple(LockedPackage("npm", f"p{i}", "1.0.0", line=i + 1) for i in range(n))
    edges = [(ROOT, "p0@1.0.0")] + [(f"p{i}@1.0.0", f"p{i + 1}@1.0.0") for i in range(n - 1)]
    return Lockfile("package-lock.json", "npm", "npm@3", packages, tuple(edges), ())


def test_short_paths_are_whole_and_long_ones_keep_both_ends() -> None:
    paths = introduced_by(_chain(100_000))
    assert paths["p2@1.0.0"] == "p0 > p1 > p2"
    assert paths["p23@1.0.0"] == " > ".join(f"p{i}" for i in range(24))
    deepest = paths["p99999@1.0.0"]
    first = " > ".join(f"p{i}" for i in range(16))
    last = " > ".join(f"p{i}" for i in range(99_992, 100_000))
    assert deepest == f"{first} > ... (99976 more) > {last}"
    assert max(len(p) for p in paths.values()) < 300  # not the 100,000-name path


def test_components_of_a_deep_chain_and_a_cycle_need_no_recursion() -> None:
    children = Graph([(str(i), str(i + 1)) for i in range(100_000)] + [("7", "3")]).children
    found = list(components(children, ["0"]))
    assert sorted(len(c) for c in found)[-1] == 5  # 3 > 4 > 5 > 6 > 7 > 3
    assert found[0] == ["100000"] and found[-1] == ["0"]  # reached components come first


def _brute_force(results, edges):
    graph = Graph(edges)
    views = {}
    for purl in results:
        subtree = [p for p in graph.subtree(purl) if p in results]
        capabilities: dict[str, list[str]] = {}
        for member in subtree:
            for capability in results[member].capabilities:
                capabilities.setdefault(capability, []).append(member)
        worst = min(subtree, key=lambda p: VERDICT_RANK[results[p].verdict])
        views[purl] = (
            {k: sorted(v) for k, v in sorted(capabilities.items())},
            min(results[p].scores.overall for p in subtree),
            results[worst].verdict,
        )
    return views


def test_deep_views_match_one_walk_per_package_on_random_graphs() -> None:
    for seed in range(200):
        rng = random.Random(seed)
        names = [f"pkg:npm/p{i}@1" for i in range(rng.randrange(1, 25))]
        results = {
            purl: PackageResult(
                PackageRef("npm", purl, "1"),
                rng.choice(["block", "warn", "pass"]),
                Scores(overall=rng.randrange(0, 101)),
                tuple(rng.sample(["net", "fs", "env"], rng.randrange(0, 3))),
                (),
            )
            for purl in names
            if rng.random() < 0.8
        }
        edges = [("", rng.choice(names)) for _ in range(3)]
        edges += [(rng.choice(names), rng.choice(names)) for _ in range(rng.randrange(60))]
        got = {
            k: (dict(v.capabilities), v.score, v.verdict)
            for k, v in deep_views(results, edges).items()
        }
        assert got == _brute_force(results, edges), seed
