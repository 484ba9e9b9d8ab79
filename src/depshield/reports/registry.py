"""The table of report formats; adding a format is one line here."""

from __future__ import annotations

import importlib

from depshield.reports.base import Renderer

FORMATS = {
    "text": "depshield.reports.text",
    "json": "depshield.reports.json_report",
    "sarif": "depshield.reports.sarif",
    "markdown": "depshield.reports.markdown",
    "html": "depshield.reports.html",
    "cyclonedx": "depshield.reports.cyclonedx",
}


def renderer(name: str) -> Renderer:
    module = importlib.import_module(FORMATS[name])
    render: Renderer = module.render
    return render
