"""The one format table (reports/formats.py) and the Markdown table helper every report uses."""

from __future__ import annotations

import inspect

from depshield.reports.formats import FORMATS, formats, render_function, renderer, streamer
from depshield.reports.markdown_table import fit, header, row


def test_every_format_of_every_kind_resolves_to_a_renderer() -> None:
    assert set(FORMATS) == {"scan", "diff", "pr"}
    for kind, table in FORMATS.items():
        for name in table:
            render = render_function(kind, name)
            assert callable(render) and next(iter(inspect.signature(render).parameters)), name
    assert renderer("json") is render_function("scan", "json")
    assert streamer("json") is not None and streamer("markdown") is None
    assert formats("pr") == ["text", "json", "markdown", "sarif"]


def test_renderers_live_in_reports() -> None:
    modules = {spec.partition(":")[0] for table in FORMATS.values() for spec in table.values()}
    assert all(m.startswith("depshield.reports.") for m in modules), modules


def test_header_right_aligns_the_numeric_columns() -> None:
    assert header(["Package", "Score", "Overall"], numeric=2) == (
        "| Package | Score | Overall |\n|---|---:|---:|\n"
    )
    assert row(["`a`", "90"]) == "| `a` | 90 |\n"


def test_fit_keeps_rows_and_details_together_under_the_limit() -> None:
    items = ["a", "bb", "ccc"]
    rows, details = fit(items, lambda s: s * 2, lambda s: s, used=3, limit=12)
    # a: 3 chars (total 6), bb: 6 (total 12), ccc: 9 would pass 12 -> cut
    assert rows == ["aa", "bbbb"] and details == ["a", "bb"]
    assert fit(items, str, str, used=100, limit=50) == ([], [])
