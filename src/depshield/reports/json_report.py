"""The JSON report: the versioned contract of docs/json-schema.md (`schema: 1`)."""

from __future__ import annotations

import json
from typing import Any

from depshield import __version__
from depshield.reports.base import Report


def as_dict(report: Report) -> dict[str, Any]:
    packages = []
    for result in report.packages:
        entry = result.to_json()
        if not report.show_all:
            entry["alerts"] = [a for a in entry["alerts"] if a["action"] != "ignore"]
        packages.append(entry)
    return {
        "schema": 1,
        "tool": {"name": "depshield", "version": __version__},
        "packages": packages,
        "errors": list(report.errors),
    }


def render(report: Report, *, color: bool = False) -> str:
    return json.dumps(as_dict(report), indent=2, sort_keys=False, default=str) + "\n"
