"""The deep view: a package together with everything it pulls in."""

from __future__ import annotations

from collections.abc import Sequence

from depshield.lockfiles.graph import Graph
from depshield.model import PackageResult
from depshield.reports.base import DeepView

VERDICT_RANK = {"block": 0, "warn": 1, "pass": 2}


def deep_views(
    results: dict[str, PackageResult], edges: Sequence[tuple[str, str]]
) -> dict[str, DeepView]:
    """purl -> capabilities of its subtree ("net via node-fetch"), minimum score, worst verdict."""
    graph = Graph(edges)
    views: dict[str, DeepView] = {}
    for purl in results:
        subtree = [p for p in graph.subtree(purl) if p in results]
        capabilities: dict[str, list[str]] = {}
        for member in subtree:
            for capability in results[member].capabilities:
                capabilities.setdefault(capability, []).append(member)
        worst = min(subtree, key=lambda p: VERDICT_RANK[results[p].verdict])
        views[purl] = DeepView(
            capabilities={k: sorted(v) for k, v in sorted(capabilities.items())},
            score=min(results[p].scores.overall for p in subtree),
            verdict=results[worst].verdict,
        )
    return views
