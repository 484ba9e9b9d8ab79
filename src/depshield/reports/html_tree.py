"""The HTML report's dependency tree: nested <details> from the scan's edges, each subtree once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from pathlib import PurePath

from depshield.model import PackageResult
from depshield.reports import escape
from depshield.reports.base import Report

MAX_DEPTH = 60  # lockfile graphs are shallow; this only bounds hostile or broken input
MAX_NODES = 20_000


def tree_section(report: Report, anchors: Mapping[str, str]) -> str:
    if not report.edges:
        if report.root is None:
            return ""  # `depshield package`: no project, no graph
        body = '<p class="empty">No dependency edges were recorded for this project.</p>'
        return f'<section id="tree"><h2>Dependency tree</h2>{body}</section>'
    children: dict[str, list[str]] = defaultdict(list)
    for parent, child in sorted(set(report.edges)):
        if child != parent:
            children[parent].append(child)
    results = {r.ref.purl: r for r in report.packages}
    builder = _Builder(children, results, anchors)
    roots = children.get("") or _roots(children)
    items = "".join(builder.node(purl, 0) for purl in roots)
    project = _e(PurePath(report.root).name if report.root else "project")
    note = (
        f'<p class="hint">{MAX_NODES} nodes shown; the tree is cut here.</p>'
        if builder.count >= MAX_NODES
        else ""
    )
    return (
        '<section id="tree"><h2>Dependency tree</h2><div class="tree">'
        '<div class="tree-actions"><button type="button" data-tree="expand">Expand all</button> '
        '<button type="button" data-tree="collapse">Collapse all</button> <span class="hint">'
        "A package already shown higher up is not expanded again.</span></div>"
        f"<ul><li><details open><summary><b>{project}</b></summary><ul>{items}</ul>"
        f"</details></li></ul>{note}</div></section>"
    )


def _roots(children: Mapping[str, list[str]]) -> list[str]:
    """Without project edges, start from the packages nothing depends on."""
    targets = {c for kids in children.values() for c in kids}
    return sorted(p for p in children if p not in targets) or sorted(children)[:1]


class _Builder:
    def __init__(
        self,
        children: Mapping[str, list[str]],
        results: Mapping[str, PackageResult],
        anchors: Mapping[str, str],
    ) -> None:
        self.children = children
        self.results = results
        self.anchors = anchors
        self.expanded: set[str] = set()
        self.count = 0

    def node(self, purl: str, depth: int) -> str:
        self.count += 1
        if self.count > MAX_NODES:
            return ""
        label = self.label(purl)
        kids = self.children.get(purl, [])
        if not kids:
            return f'<li class="leaf">{label}</li>'
        if purl in self.expanded or depth >= MAX_DEPTH:
            seen = '<span class="hint">(dependencies shown above)</span>'
            return f'<li class="leaf">{label} {seen}</li>'
        self.expanded.add(purl)
        inner = "".join(self.node(child, depth + 1) for child in kids)
        return f"<li><details><summary>{label}</summary><ul>{inner}</ul></details></li>"

    def label(self, purl: str) -> str:
        result = self.results.get(purl)
        if result is None:
            return f'<code>{_e(purl)}</code> <span class="hint">(not in this report)</span>'
        ref = result.ref
        name = f"{ref.name}@{ref.version}" if ref.version else ref.name
        badge = f'<span class="badge v-{_e(result.verdict)}">{_e(result.verdict)}</span>'
        anchor = self.anchors.get(purl)
        text = f"<code>{_e(name)}</code>"
        if anchor:
            text = f'<a href="#{anchor}">{text}</a>'
        return f"{text} {badge}"


def _e(text: str) -> str:
    return escape.html(text, 500)
