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


def test_every_exit_code_is_in_the_documented_table() -> None:
    """Codes the CLI returns (errors.py's classes, cli/main.py's last lines of defence) are
    rows of docs/configuration.md's exit-code table."""
    import inspect
    import re

    from depshield import errors
    from depshield.cli import main

    documented = set(
        re.findall(r"^\| (\d+) \|", (ROOT / "docs" / "configuration.md").read_text(), re.M)
    )
    raised = {
        str(c.exit_code)
        for c in vars(errors).values()
        if inspect.isclass(c) and hasattr(c, "exit_code")
    }
    returned = set(re.findall(r"return (\d+)\b", inspect.getsource(main.run_here)))
    assert {"70", "130"} <= returned
    assert raised | returned <= documented, sorted(raised | returned - documented)
