"""GitHub code scanning's documented upload limits, applied to a SARIF document before it is
written: what does not fit is left out, worst kept first, and the run says so.

The limits (GitHub docs, "SARIF support for code scanning", "Validating your SARIF file"):
at most 20 runs per file, 25,000 results per run, 25,000 rules per run, 1,000 locations per
result, 20 tags per rule, and 10 MB for the gzip-compressed file. Above them the upload is
rejected, so a CI gate would silently lose its findings.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

MAX_RESULTS = 25_000
MAX_RULES = 25_000
MAX_LOCATIONS = 1_000
MAX_TAGS = 20
MAX_GZIP_BYTES = 10 * 1024 * 1024
LEVEL_RANK = {"error": 0, "warning": 1, "note": 2, "none": 3}


def fit(document: dict[str, Any], *, max_gzip: int = MAX_GZIP_BYTES) -> dict[str, Any]:
    """`document` (one run, results worst first) within the limits, with a warning
    notification and `properties.truncated` on the run for whatever was left out."""
    run = document["runs"][0]
    said: list[str] = []
    results = run["results"]
    if len(results) > MAX_RESULTS:
        said.append(
            f"{len(results) - MAX_RESULTS} results left out: GitHub code scanning accepts at "
            f"most {MAX_RESULTS} per run (the worst are kept; --format json has them all)"
        )
        run["results"] = results = results[:MAX_RESULTS]
    cut = sum(1 for r in results if len(r.get("locations", ())) > MAX_LOCATIONS)
    for result in results:
        result["locations"] = result.get("locations", [])[:MAX_LOCATIONS]
    if cut:
        said.append(f"{cut} results keep only their first {MAX_LOCATIONS} locations")
    for rule in run["tool"]["driver"]["rules"]:
        rule["properties"]["tags"] = rule["properties"]["tags"][:MAX_TAGS]
    _fit_size(document, said, max_gzip)
    if said:
        _say(run, said)
    return document


def gzip_size(document: dict[str, Any]) -> int:
    return len(gzip.compress(_dump(document), compresslevel=6))


def _dump(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def _fit_size(document: dict[str, Any], said: list[str], max_gzip: int) -> None:
    """Drop results from the end (the least severe) until the compressed file fits, keeping
    room for the notification that says so."""
    run = document["runs"][0]
    results = run["results"]
    budget = max_gzip - 4096
    if gzip_size(document) <= budget:
        return
    low, high = 0, len(results)  # the largest count that fits is in [low, high)
    while high - low > 1:
        middle = (low + high) // 2
        run["results"] = results[:middle]
        if gzip_size(document) <= budget:
            low = middle
        else:
            high = middle
    run["results"] = results[:low]
    said.append(
        f"{len(results) - low} results left out: GitHub code scanning accepts at most "
        f"{max_gzip // (1024 * 1024)} MB of gzip-compressed SARIF (--format json has them all)"
    )


def _say(run: dict[str, Any], said: list[str]) -> None:
    invocations = run.setdefault("invocations", [{"executionSuccessful": True}])
    notes = invocations[0].setdefault("toolExecutionNotifications", [])
    notes[:0] = [{"level": "warning", "message": {"text": text}} for text in said]
    run.setdefault("properties", {})["truncated"] = said
