"""The JSON report: the versioned contract of docs/json-schema.md (`schema: 1`).

Written as a stream (`stream`): one package entry and one graph edge at a time, never the whole
document in memory (a 100,000-package project, issue 17); `as_dict` is the same document whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from depshield import __version__
from depshield.model import PackageResult
from depshield.reports.base import Report
from depshield.reports.json_stream import dumps, write_list
from depshield.reports.views import vulnerabilities_status


def as_dict(report: Report) -> dict[str, Any]:
    out = _head(report)
    out["packages"] = list(_packages(report))
    out["errors"] = list(report.errors)
    out.update(_tail(report))
    project = _project(report)
    if project is not None:
        root, lockfiles, notes = project["root"], project["lockfiles"], project["notes"]
        graph = list(_graph(report))
        out["project"] = {"root": root, "lockfiles": lockfiles, "graph": graph, "notes": notes}
    return out


def render(report: Report, *, color: bool = False) -> str:
    parts: list[str] = []
    stream(report, parts.append)
    return "".join(parts)


def stream(report: Report, write: Callable[[str], object]) -> None:
    """Write the report: the same bytes as `json.dumps(as_dict(report), indent=2)` + newline."""

    for key, value in _head(report).items():
        write(("{\n  " if key == "schema" else ",\n  ") + f'"{key}": ' + dumps(value, 1))
    write(',\n  "packages": ')
    write_list(_packages(report), 1, write)
    write(',\n  "errors": ' + dumps(list(report.errors), 1))
    for key, value in _tail(report).items():
        write(f',\n  "{key}": ' + dumps(value, 1))
    project = _project(report)
    if project is not None:
        write(',\n  "project": {')
        for key, value in project.items():
            write(("\n    " if key == "root" else ",\n    ") + f'"{key}": ' + dumps(value, 2))
            if key == "lockfiles":
                write(',\n    "graph": ')
                write_list(_graph(report), 2, write)
        write("\n  }")
    write("\n}\n")


def _head(report: Report) -> dict[str, Any]:
    return {"schema": 1, "tool": {"name": "depshield", "version": __version__}}


def _tail(report: Report) -> dict[str, Any]:
    """schema 1, extended compatibly: what was not checked (docs/json-schema.md)."""
    return {
        "inputErrors": [
            {"file": e.file, "line": e.line, "message": e.message, "tip": e.tip}
            for e in report.input_errors
        ],
        # A range that could not be resolved is a dependency never analysed, like a skip.
        "complete": not report.input_errors
        and not report.errors
        and not any(p.skipped for p in report.packages),
        "knownVulnerabilities": vulnerabilities_status(report),
    }


def _project(report: Report) -> dict[str, Any] | None:
    """The project section without its graph (written in place, between lockfiles and notes)."""
    if report.root is None:
        return None
    return {"root": report.root, "lockfiles": list(report.lockfiles), "notes": list(report.notes)}


def _graph(report: Report) -> Iterator[dict[str, Any]]:
    return ({"from": a or None, "to": b} for a, b in report.edges)


def _packages(report: Report) -> Iterator[dict[str, Any]]:
    return (_entry(report, result) for result in report.packages)


def _entry(report: Report, result: PackageResult) -> dict[str, Any]:
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
    return entry
