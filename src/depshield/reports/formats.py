"""The one table of report formats: for each kind of report (a package or project scan, a
version diff, a pull request's dependency change) the function that renders each format;
adding a format is one line here."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from depshield.reports.base import Renderer, Report

# kind -> format -> "module:function" (scan renderers take a Report, diff ones a VersionDiff,
# pull-request ones a PrReport).
FORMATS: dict[str, dict[str, str]] = {
    "scan": {
        "text": "depshield.reports.text:render",
        "json": "depshield.reports.json_report:render",
        "sarif": "depshield.reports.sarif:render",
        "markdown": "depshield.reports.markdown:render",
        "html": "depshield.reports.html:render",
        "cyclonedx": "depshield.reports.cyclonedx:render",
    },
    "diff": {
        "text": "depshield.reports.diff_text:render",
        "json": "depshield.reports.diff_json:render",
        "markdown": "depshield.reports.diff_markdown:render",
    },
    "pr": {
        "text": "depshield.reports.pr_text:render",
        "json": "depshield.reports.pr_json:render",
        "markdown": "depshield.reports.pr_markdown:render",
        "sarif": "depshield.reports.pr_json:render_sarif",
    },
}


def formats(kind: str) -> list[str]:
    """The format names a kind of report can be written in, for `--format`."""
    return list(FORMATS[kind])


def render_function(kind: str, name: str) -> Callable[..., str]:
    module, _, attr = FORMATS[kind][name].partition(":")
    found: Callable[..., str] = getattr(importlib.import_module(module), attr)
    return found


def renderer(name: str) -> Renderer:
    """A scan format's `render(report, *, color=False)`."""
    render: Renderer = render_function("scan", name)
    return render


def streamer(name: str) -> Callable[[Report, Callable[[str], object]], None] | None:
    """The scan format's `stream(report, write)` when it writes piece by piece (JSON), else None."""
    module = importlib.import_module(FORMATS["scan"][name].partition(":")[0])
    return getattr(module, "stream", None)
