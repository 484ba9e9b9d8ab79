"""The generated documentation stays in step with the code."""

from __future__ import annotations

from pathlib import Path

from depshield.alerts.catalog import CATALOG
from depshield.alerts.docs import catalog_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_alerts_page_is_generated_from_the_catalog() -> None:
    page = (ROOT / "docs" / "alerts.md").read_text(encoding="utf-8")
    assert page == catalog_markdown(), "run: depshield alerts --format markdown > docs/alerts.md"


def test_catalog_covers_every_type_of_the_reference_catalog() -> None:
    reference = (ROOT / "docs" / "alerts.md").read_text(encoding="utf-8")
    for type_ in ("malware", "didYouMean", "dataExfiltration", "licenseSpdxDisj", "criticalCVE"):
        assert f"`{type_}`" in reference and type_ in CATALOG
