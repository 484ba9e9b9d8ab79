"""The Jinja2 environment: autoescaping on, and filters that make package-controlled text inert
(one printable line: bidi, ANSI and control characters shown as `\\uXXXX`) before escaping."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from depshield.reports.views import printable

if TYPE_CHECKING:
    from jinja2 import Environment

BAR_HEIGHT = 60  # px: the tallest bar of the blocks-and-warns chart


def environment(folder: Path) -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(t=text, when=when, pkg=package_url, pr=pull_url, q=quote_part)
    env.globals.update(bars=bars)
    return env


def text(value: Any, limit: int = 300) -> str:
    """Inert one-line text; autoescaping then turns `<`, `&` and quotes into entities."""

    if value is None:
        return ""
    text = str(value)
    # Printable ASCII has nothing to show as \uXXXX: the common case skips the per-character walk.
    if len(text) <= limit and text.isascii() and text.isprintable():
        return text
    return printable(text, limit)


def when(at: Any) -> str:
    if not isinstance(at, int | float):
        return ""
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(at))


def quote_part(value: Any) -> str:
    return quote(str(value or ""), safe="")


def package_url(item: dict[str, Any], version_key: str = "version") -> str:
    """`/npm/@scope/name/1.0.0`: each part percent-encoded, the scope's `/` kept."""
    name = str(item.get("name") or "")
    version = str(item.get(version_key) or "")
    return f"/{quote_part(item.get('ecosystem'))}/{quote(name, safe='@/')}/{quote_part(version)}"


def pull_url(item: dict[str, Any]) -> str:
    owner, _, name = str(item.get("repo") or "").partition("/")
    return f"/pr/{quote_part(owner)}/{quote_part(name)}/{int(item.get('pr') or 0)}"


def bars(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stacked bar geometry for the inline SVG chart (presentation attributes, no style)."""
    top = max((d["block"] + d["warn"] for d in days), default=0) or 1
    out = []
    for index, day in enumerate(days):
        block = round(day["block"] * BAR_HEIGHT / top)
        warn = round(day["warn"] * BAR_HEIGHT / top)
        geometry = {"x": index * 20 + 2, "block_h": block, "warn_h": warn}
        geometry.update(block_y=BAR_HEIGHT - block, warn_y=BAR_HEIGHT - block - warn)
        out.append({**day, **geometry})
    return out
