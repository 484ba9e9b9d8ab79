"""Download, write, run: the spawned command is the file a response was written to."""

from __future__ import annotations

from pathlib import Path

import pytest

from depshield.analyzers.javascript import JavaScriptAnalyzer
from depshield.api import analyze_artifact

FIXTURES = Path(__file__).parents[2] / "fixtures"


def remote(name: str) -> set[int]:
    fa = JavaScriptAnalyzer().analyze(name, (FIXTURES / "js" / name).read_bytes())
    return {
        f.line
        for f in fa.findings
        if f.type == "remoteCodeDownload" and f.props.get("how") == "download-written-then-run"
    }


def test_same_variable_written_then_spawned() -> None:
    assert remote("download-written-then-run.js") == {7}


def test_through_a_callback_the_writer_calls_back() -> None:
    """fetchTo(url, target, p => execFileSync(p)): fetchTo writes `dest` and calls `done(dest)`."""
    result = analyze_artifact(FIXTURES / "incidents" / "npm-2024-download-run")
    assert result.verdict == "block"
    hits = {(a.type, a.file, a.line) for a in result.alerts if a.action == "error"}
    assert ("remoteCodeDownload", "index.js", 17) in hits


@pytest.mark.parametrize(
    "name",
    ["download-verified-then-run.js", "download-cache-run-own-tool.js"],
)
def test_verified_downloads_and_other_paths_are_not_droppers(name: str) -> None:
    assert remote(name) == set()
