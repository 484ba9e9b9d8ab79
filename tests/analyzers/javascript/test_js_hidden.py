"""Hidden programs, spelled-out text and command lines that run a download (issue 11): each
behaviour fires on its inert fixture (type, file, line) and stays quiet on its look-alike, and
a payload file with no package.json (a partial sample's shape) is blocked for what it does."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from depshield.analyzers.javascript import JavaScriptAnalyzer
from depshield.analyzers.javascript.parse import parse
from depshield.analyzers.javascript.spelled import decode, names
from depshield.api import analyze_artifact

FIXTURES = Path(__file__).parents[2] / "fixtures" / "js"
ANALYZER = JavaScriptAnalyzer()


def lines(name: str, type_: str, **props: Any) -> set[int]:
    fa = ANALYZER.analyze(name, (FIXTURES / name).read_bytes())
    return {
        f.line
        for f in fa.findings
        if f.type == type_ and f.file == name and all(f.props.get(k) == v for k, v in props.items())
    }


ENCODED = "encodedPayloadExecution"
FIRES = [
    ("hidden-program-packed.js", ENCODED, {"decode": "obfuscated", "exec": "eval"}, {2}),
    ("hidden-program-decoded.js", ENCODED, {"decode": "obfuscated", "exec": "eval"}, {7}),
    ("hidden-evaluator.js", ENCODED, {"decode": "hidden-evaluator"}, {8}),
    ("escaped-names-eval.js", ENCODED, {"decode": "decoder-function", "exec": "eval"}, {5}),
    ("skimmer-char-table.js", "signal:source", {"detail": "payment-form"}, {7}),
    ("download-run-command-line.js", "remoteCodeDownload", {}, {11}),
    ("concat-fetched-eval.js", "remoteCodeDownload", {"how": "download-then-eval"}, {2}),
    ("concat-template-hook.js", "signal:exec", {"code": "generated"}, {3}),
]
QUIET = [
    ("hidden-program-lookalike.js", ENCODED),  # the obfuscator's own `Function("return this")`
    ("eval-computed-plain.js", ENCODED),  # eval of input in a file that hides nothing
    ("evaluator-plain-lookalike.js", ENCODED),  # vm named plainly
    ("escaped-names-lookalike.js", "usesEval"),  # escapes inside a string stay text
    ("char-table-lookalike.js", "signal:source"),
    ("download-extract-lookalike.js", "remoteCodeDownload"),  # tar handles the file
]


@pytest.mark.parametrize(("name", "type_", "props", "expected"), FIRES)
def test_fires(name: str, type_: str, props: dict[str, Any], expected: set[int]) -> None:
    assert lines(name, type_, **props) == expected


@pytest.mark.parametrize(("name", "type_"), QUIET)
def test_quiet_on_lookalike(name: str, type_: str) -> None:
    assert lines(name, type_) == set()


def test_the_look_alikes_still_show_their_capabilities() -> None:
    """Quiet on the threat, not blind: the eval and the obfuscation are still reported."""
    assert lines("hidden-program-lookalike.js", "obfuscatedFile") == {1}
    assert lines("eval-computed-plain.js", "usesEval") == {4}
    assert lines("evaluator-plain-lookalike.js", "usesEval") == {4}


def test_character_table_chains_are_spelled_in_place() -> None:
    source = (FIXTURES / "skimmer-char-table.js").read_bytes()
    spelled = decode(source)
    assert spelled is not None and spelled.strings == 4
    assert b'"password"' in spelled.source and b'"cvc"' in spelled.source
    assert b'"submit"' in spelled.source and b'"https://"' in spelled.source
    assert spelled.source.count(b"\n") == source.count(b"\n")  # lines kept


def test_a_table_indexed_at_run_time_or_assigned_twice_is_left_alone() -> None:
    assert decode((FIXTURES / "char-table-lookalike.js").read_bytes()) is None
    twice = b"var T='abcdefghijklmnopqrstuvwxyz';T='zyxwvutsrqponmlkjihgfedcba';"
    assert decode(twice + b"x=T[0]+T[1];y=T[2]+T[3];z=T[4]+T[5];") is None


def test_identifier_escapes_are_put_back_in_names_only() -> None:
    source = b"\\u0065val(x); s = '\\u0065val'; r = /[\\u0041-\\u005A]\\u2139/; o.\\u0062;"
    spelled = names(source, parse("javascript", source).root_node)
    assert spelled is not None and spelled.strings == 2
    assert spelled.source == b"eval(x); s = '\\u0065val'; r = /[\\u0041-\\u005A]\\u2139/; o.b;"


@pytest.mark.parametrize(
    ("fixture", "type_", "line"),
    [
        ("hidden-program-packed.js", ENCODED, 2),
        ("hidden-evaluator.js", ENCODED, 8),
        ("skimmer-char-table.js", "dataExfiltration", 9),
        ("download-run-command-line.js", "remoteCodeDownload", 11),
        ("credential-store-hidden.js", "credentialHarvesting", 3),
    ],
)
def test_a_payload_file_without_its_manifest_is_blocked(
    tmp_path: Path, fixture: str, type_: str, line: int
) -> None:
    """A partial sample: one file, no package.json, nothing runs it at install or import."""
    shutil.copy(FIXTURES / fixture, tmp_path / "index.js")
    result = analyze_artifact(tmp_path)
    assert ("index.js", line, "error") in [
        (a.file, a.line, a.action) for a in result.alerts if a.type == type_
    ]
    assert result.verdict == "block"


@pytest.mark.parametrize(
    "fixture", ["hidden-program-lookalike.js", "eval-computed-plain.js", "char-table-lookalike.js"]
)
def test_the_look_alike_files_are_not_blocked(tmp_path: Path, fixture: str) -> None:
    shutil.copy(FIXTURES / fixture, tmp_path / "index.js")
    assert analyze_artifact(tmp_path).verdict != "block"


def test_a_credential_store_read_in_plain_code_still_only_warns(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "credential-store-templates.js", tmp_path / "index.js")
    actions = {
        a.action for a in analyze_artifact(tmp_path).alerts if a.type == "credentialHarvesting"
    }
    assert actions == {"warn"}


def test_a_compiled_template_evaluated_beside_a_fetch_is_no_threat(tmp_path: Path) -> None:
    """Babel compiles a template literal to `"a".concat(x, "b")`: code the file writes itself,
    which pairs with no download elsewhere in the file (the fetch of app metadata)."""
    from depshield.alerts.grading import THREATS

    shutil.copy(FIXTURES / "concat-template-hook.js", tmp_path / "index.js")
    result = analyze_artifact(tmp_path)
    assert [a.type for a in result.alerts if a.type in THREATS] == []
    assert ("index.js", 3) in [(a.file, a.line) for a in result.alerts if a.type == "usesEval"]
