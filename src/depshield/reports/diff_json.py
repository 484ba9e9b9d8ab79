"""The JSON rendering of a version diff (`schema: 1`, see docs/diff.md)."""

from __future__ import annotations

import json
from typing import Any

from depshield import __version__
from depshield.diff import VersionDiff


def as_dict(diff: VersionDiff, show_all: bool = False) -> dict[str, Any]:
    body = diff.to_json()
    if not show_all:
        for key in ("newAlerts", "resolvedAlerts"):
            body[key] = [a for a in body[key] if a["action"] != "ignore"]
        for side in ("old", "new"):
            body[side]["alerts"] = [a for a in body[side]["alerts"] if a["action"] != "ignore"]
    return {"schema": 1, "tool": {"name": "depshield", "version": __version__}, "diff": body}


def render(diff: VersionDiff, *, color: bool = False, show_all: bool = False) -> str:
    return json.dumps(as_dict(diff, show_all), indent=2, default=str) + "\n"
