"""Finding.override: typed grades survive the analysis cache and replace the catalog's grade."""

from __future__ import annotations

import json

import pytest

from depshield.alerts.catalog import catalog_entry
from depshield.alerts.grading import grade
from depshield.analysis import Examined, decode, encode
from depshield.ecosystems.base import ManifestAnalysis
from depshield.ecosystems.plugins import plugin
from depshield.model import FileAnalysis, Finding, Override, When, ecosystem_of


def test_an_override_survives_the_cache_round_trip() -> None:
    grade_ = Override("high", "warn")
    graded = Finding("dataExfiltration", "pkg/a.py", 3, "x", {"sink": ["webhook"]}, override=grade_)
    plain = Finding("installScripts", "package.json", 4, '"prepare": "x"')
    examined = Examined(
        "npm",
        ManifestAnalysis("p", "1.0.0", (plain,)),
        [FileAnalysis("pkg/a.py", "python", (graded,))],
    )
    back = decode(json.loads(json.dumps(encode(examined))))
    assert back is not None
    assert back.files[0].findings[0].override == Override("high", "warn")
    assert back.manifest.findings[0].override is None


def test_grading_takes_the_override_over_the_catalog() -> None:
    entry = catalog_entry("installScripts")
    npm = plugin("npm")
    found = Finding("installScripts", "package.json", 4, '"prepare": "x"', {}, True)
    assert grade(found, When.INSTALL, entry, ecosystem=npm, install_quiet=False).action == "warn"
    lowered = Finding(
        "installScripts",
        "package.json",
        4,
        '"prepare": "x"',
        {},
        True,
        override=Override("low", "monitor"),
    )
    got = grade(lowered, When.INSTALL, entry, ecosystem=npm, install_quiet=False)
    assert (got.severity, got.action) == ("low", "monitor")
    # A half override keeps the catalog's value for the other half.
    half = Finding(
        "installScripts", "package.json", 4, "x", {}, True, override=Override("critical")
    )
    got = grade(half, When.INSTALL, entry, ecosystem=npm, install_quiet=False)
    assert (got.severity, got.action) == ("critical", entry.action)


def test_ecosystem_of_accepts_the_known_ecosystems_only() -> None:
    assert ecosystem_of("npm") == "npm" and ecosystem_of("pypi") == "pypi"
    with pytest.raises(ValueError, match="unknown ecosystem 'cargo'"):
        ecosystem_of("cargo")
