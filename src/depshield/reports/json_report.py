"""The JSON report: the versioned contract of docs/json-schema.md (`schema: 1`)."""

from __future__ import annotations

import json
from typing import Any

from depshield import __version__
from depshield.reports.base import Report
from depshield.reports.views import vulnerabilities_status


def as_dict(report: Report) -> dict[str, Any]:
    packages = []
    for result in report.packages:
        entry = result.to_json()
        if not report.show_all:
            entry["alerts"] = [a for a in entry["alerts"] if a["action"] != "ignore"]
        purl = result.ref.purl
        if report.root is not None:
            entry["occurrences"] = [
                {
                    "lockfile": o.lockfile,
                    "line": o.line,
                    "introducedBy": o.introduced_by,
                    "direct": o.direct,
                    "dev": o.dev,
                    "optional": o.optional,
                    "peer": o.peer,
                }
                for o in report.occurrences.get(purl, ())
            ]
            deep = report.deep.get(purl)
            if deep is not None:
                entry["deep"] = {
                    "score": deep.score,
                    "verdict": deep.verdict,
                    "capabilities": {k: list(v) for k, v in deep.capabilities.items()},
                }
        packages.append(entry)
    out: dict[str, Any] = {
        "schema": 1,
        "tool": {"name": "depshield", "version": __version__},
        "packages": packages,
        "errors": list(report.errors),
        # schema 1, extended compatibly: what was not checked (docs/json-schema.md).
        "inputErrors": [
            {"file": e.file, "line": e.line, "message": e.message, "tip": e.tip}
            for e in report.input_errors
        ],
        "complete": not report.input_errors and not any(p.skipped for p in report.packages),
        "knownVulnerabilities": vulnerabilities_status(report),
    }
    if report.root is not None:
        out["project"] = {
            "root": report.root,
            "lockfiles": list(report.lockfiles),
            "graph": [{"from": a or None, "to": b} for a, b in report.edges],
            "notes": list(report.notes),
        }
    return out


def render(report: Report, *, color: bool = False) -> str:
    return json.dumps(as_dict(report), indent=2, sort_keys=False, default=str) + "\n"
