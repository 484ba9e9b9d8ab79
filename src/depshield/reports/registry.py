"""The table of report formats; adding a format is one line here."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from depshield.reports.base import Renderer, Report

FORMATS = {
    "text": "depshield.reports.text",
    "json": "depshield.reports.json_report",
    "sarif": "depshield.reports.sarif",
    "markdown": "depshield.reports.markdown",
    "html": "depshield.reports.html",
    "cyclonedx": "depshield.reports.cyclonedx",
}


def streamer(name: str) -> Callable[[Report, Callable[[str], object]], None] | None:
    """The format's `stream(report, write)` when it writes piece by piece (JSON), else None."""
    module = importlib.import_module(FORMATS[name])
    return getattr(module, "stream", None)


def renderer(name: str) -> Renderer:
    module = importlib.import_module(FORMATS[name])
    render: Renderer = module.render
    return render
