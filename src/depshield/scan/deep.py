"""The deep view: a package together with everything it pulls in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from depshield.lockfiles.graph import Graph, components
from depshield.model import PackageResult
from depshield.reports.base import DeepView

VERDICT_RANK = {"block": 0, "warn": 1, "pass": 2}
_NEUTRAL = (101, 3)  # above any score and any verdict rank: a subtree with nothing analysed
Capabilities = Mapping[str, frozenset[str]]
_EMPTY: Capabilities = {}  # shared by every subtree that can do nothing; never written to


def deep_views(
    results: dict[str, PackageResult], edges: Sequence[tuple[str, str]]
) -> dict[str, DeepView]:
    """purl -> capabilities of its subtree ("net via node-fetch"), minimum score, worst verdict.

    Summed once per strongly connected component, children before parents, so a 100,000-package
    graph costs one walk instead of one walk per package (issue 17); subtrees that add nothing
    share their child's summary."""
    children = Graph(edges).children
    # Per component number: (minimum score, worst verdict rank), and its capability summary.
    worst: list[tuple[int, int]] = []
    caps: list[Capabilities] = []
    where: dict[str, int] = {}
    pairs: dict[tuple[int, int], tuple[int, int]] = {}
    for number, component in enumerate(components(children, results)):
        where.update(dict.fromkeys(component, number))
        below = {where[c] for m in component for c in children.get(m, ())} - {number}
        own = [(m, results[m]) for m in component if m in results]
        scores = [worst[b][0] for b in below] + [r.scores.overall for _, r in own]
        ranks = [worst[b][1] for b in below] + [VERDICT_RANK[r.verdict] for _, r in own]
        pair = (min(scores, default=_NEUTRAL[0]), min(ranks, default=_NEUTRAL[1]))
        worst.append(pairs.setdefault(pair, pair))  # a few distinct pairs, shared
        caps.append(_union([caps[b] for b in below], own))
    del children
    verdicts = {rank: verdict for verdict, rank in VERDICT_RANK.items()}
    # One view per distinct (summary, score, verdict): in a big tree most subtrees share one.
    shared: dict[tuple[int, int, int], DeepView] = {}
    sorted_caps: dict[int, dict[str, list[str]]] = {}  # one sorted copy per distinct summary
    views: dict[str, DeepView] = {}
    for purl in results:
        number = where[purl]
        summary = caps[number]
        score, rank = worst[number]
        view = shared.get((id(summary), score, rank))
        if view is None:
            if id(summary) not in sorted_caps:
                sorted_caps[id(summary)] = {k: sorted(v) for k, v in sorted(summary.items())}
            view = DeepView(
                capabilities=sorted_caps[id(summary)], score=score, verdict=verdicts[rank]
            )
            shared[(id(summary), score, rank)] = view
        views[purl] = view
    return views


def _union(below: list[Capabilities], own: list[tuple[str, PackageResult]]) -> Capabilities:
    """capability -> purls providing it, over the children's summaries and the component's own."""
    distinct = list({id(c): c for c in below if c}.values())
    mine = [(purl, r) for purl, r in own if r.capabilities]
    if not mine and len(distinct) <= 1:
        return distinct[0] if distinct else _EMPTY
    merged: dict[str, set[str]] = {}
    for summary in distinct:
        for capability, purls in summary.items():
            merged.setdefault(capability, set()).update(purls)
    for purl, result in mine:
        for capability in result.capabilities:
            merged.setdefault(capability, set()).add(purl)
    return {k: frozenset(v) for k, v in merged.items()}
