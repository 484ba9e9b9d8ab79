"""Code around each alert's line, read from the cached artifact (in place, never extracted, never
run) and made inert: one printable line each, so bidi and control characters show as `\\uXXXX`."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from depshield.artifacts.archive import open_artifact
from depshield.artifacts.base import Limits, Member
from depshield.artifacts.store import ArtifactStore, StoreError
from depshield.ecosystems.plugins import plugins
from depshield.errors import DepshieldError
from depshield.reports.views import printable

CONTEXT = 3  # lines either side of the alert's line
MAX_LINE = 240
# Limits for a page view: the archive was already read once, under the analysis limits.
MAX_MEMBER = 2 * 1024 * 1024


def annotate(
    digest: str | None, alerts: Sequence[dict[str, Any]], limit: int = 40
) -> list[dict[str, Any]]:
    """The alerts, the first `limit` with `excerpt` ([{line, text, hit}]) when their file is in
    the artifact (the others with an empty one)."""
    first = alerts[:limit]
    files = tuple(sorted({a["file"] for a in first if a.get("file") and a.get("line")}))
    sources = _sources(digest, files) if digest and files else {}
    out = []
    for index, alert in enumerate(alerts):
        lines = sources.get(alert.get("file") or "") if index < limit else None
        excerpt = _excerpt(lines, int(alert.get("line") or 0)) if lines else []
        out.append({**alert, "excerpt": excerpt})
    return out


def _excerpt(lines: Sequence[str], line: int) -> list[dict[str, Any]]:
    if line < 1 or line > len(lines):
        return []
    start, end = max(1, line - CONTEXT), min(len(lines), line + CONTEXT)
    return [{"line": n, "text": lines[n - 1], "hit": n == line} for n in range(start, end + 1)]


@functools.lru_cache(maxsize=64)
def _sources(digest: str, files: tuple[str, ...]) -> Mapping[str, tuple[str, ...]]:

    try:
        path = ArtifactStore().get(digest)
    except (StoreError, ValueError):
        return {}
    if path is None:
        return {}
    wanted, found = set(files), {}
    try:
        for member in open_artifact(path, Limits(max_file_bytes=MAX_MEMBER)):
            if isinstance(member, Member) and member.path in wanted:
                text = member.data.decode("utf-8", errors="replace")
                found[member.path] = tuple(printable(t, MAX_LINE) for t in text.splitlines())
                if len(found) == len(wanted):
                    break
    except (DepshieldError, OSError):
        pass  # an excerpt is a convenience: the alert's file:line still shows
    return found


@functools.lru_cache(maxsize=256)
def declared_license(digest: str | None, ecosystem: str) -> str | None:
    """The license the artifact's own manifest declares, on its first license line
    (`"license": "MIT"` in package.json, `License: MIT` in PKG-INFO: the plug-in says which)."""

    eco = plugins().get(ecosystem)
    if not digest or eco is None:
        return None
    lines = _sources(digest, (eco.license_manifest,)).get(eco.license_manifest) or ()
    for line in lines:
        if eco.license_line.match(line):
            value = line.split(":", 1)[1].strip().rstrip(",").strip().strip('"')
            return value if value and value[0] not in "[{" else None
    return None
