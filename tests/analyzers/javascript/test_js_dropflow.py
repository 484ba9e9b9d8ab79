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


def command_dropper(name: str) -> set[int]:
    fa = JavaScriptAnalyzer().analyze(name, (FIXTURES / "js" / name).read_bytes())
    return {
        f.line
        for f in fa.findings
        if f.type == "remoteCodeDownload" and f.props.get("how") == "command-download-then-run"
    }


def test_command_line_saves_a_download_a_later_process_starts_it() -> None:
    """`wget -O ' + dest` then `execFile(dest)`: the saved path is one binding."""
    assert command_dropper("curl-save-then-start.js") == {5}


@pytest.mark.parametrize("name", ["curl-save-lookalikes.js", "curl-save-verified.js"])
def test_saved_then_unpacked_opened_as_a_page_or_checked_is_not_a_dropper(name: str) -> None:
    """`tar -xzf ${archive}` handles the file; `open ${page}` opens the URL, not the saved
    path; a file that hashes what it saved is an installer."""
    assert command_dropper(name) == set()


def test_command_dropper_blocks_in_a_file_nothing_loads() -> None:
    """issue 11: writing a download and running it blocks wherever the code sits."""
    result = analyze_artifact(FIXTURES / "incidents" / "npm-2024-curl-then-start")
    assert result.verdict == "block"
    hits = {(a.type, a.file, a.line) for a in result.alerts if a.action == "error"}
    assert ("remoteCodeDownload", "lib/update.js", 11) in hits


def test_writes_into_the_user_folders_are_marked_through_a_parameter() -> None:
    """The Desktop path reaches `fs.writeFile(target)` as the argument of the file's own
    call; a settings file under the home folder is not one of the user's folders."""
    source = FIXTURES / "incidents" / "npm-desktop-message" / "index.js"
    fa = JavaScriptAnalyzer().analyze("index.js", source.read_bytes())
    assert [(f.line, f.props.get("target")) for f in fa.findings if f.type == "signal:write"] == [
        (8, "user-folder")
    ]
    lookalike = FIXTURES / "lookalikes" / "npm-save-to-documents" / "index.js"
    fa = JavaScriptAnalyzer().analyze("index.js", lookalike.read_bytes())
    writes = {f.line: f.props.get("target") for f in fa.findings if f.type == "signal:write"}
    assert writes == {9: None, 13: "user-folder"}


def sinks(path: Path) -> dict[int, bool]:
    fa = JavaScriptAnalyzer().analyze(path.name, path.read_bytes())
    return {
        f.line: bool(f.props.get("reportsHome")) for f in fa.findings if f.type == "signal:sink"
    }


def test_a_request_to_a_literal_host_whose_response_is_unread_reports_home() -> None:
    """The URL is the literal the file's call passes through two parameters; the handler
    looks only at the status. A downloader to a literal host pipes what it fetched."""
    probe = FIXTURES / "incidents" / "npm-install-survey-ping" / "scripts" / "notify.js"
    assert sinks(probe) == {5: True}
    kept = FIXTURES / "lookalikes" / "npm-install-fetches-binary" / "scripts" / "fetch.js"
    assert sinks(kept) == {7: False}
