"""Python analyzer: code ast cannot read (Python 2, syntax errors, odd encodings, hostile sizes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.findings import matching

from depshield.analyzers import budget, shell, strings
from depshield.analyzers.python import PythonAnalyzer, treesitter
from depshield.model import FileAnalysis

FIXTURES = Path(__file__).parent.parent.parent / "fixtures" / "python"
SHELL_CALL = b"import os\nos.system('echo inert')\n"


@pytest.fixture(autouse=True)
def _isolate_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(strings, "scan_literal", lambda *a, **k: [])
    monkeypatch.setattr(shell, "analyze_shell", lambda *a, **k: [])


def analyze_bytes(data: bytes, path: str = "pkg/mod.py") -> FileAnalysis:
    return PythonAnalyzer().analyze(path, data)


def analyze(fixture: str) -> FileAnalysis:
    return analyze_bytes((FIXTURES / fixture).read_bytes(), f"pkg/{fixture}")


def test_python2_print_statement_falls_back_to_tree_sitter() -> None:
    result = analyze("py2-print-system.py")
    assert result.language == "python2?" and result.skipped is None
    assert matching(result, "shellAccess", 5, module="os", fallback="tree-sitter")
    assert matching(result, "signal:spawn", 5, command="echo py2")
    assert matching(result, "networkAccess", 6, module="urllib2")


def test_python2_exec_statement_of_decoded_data() -> None:
    result = analyze("py2-exec-statement.py")
    assert result.language == "python2?"
    assert matching(result, "usesEval", 3, evalType="exec")
    assert matching(result, "encodedPayloadExecution", 3)


def test_syntax_error_does_not_hide_the_rest() -> None:
    result = analyze("syntax-error-network.py")
    assert result.language == "python?" and result.skipped is None
    assert matching(result, "networkAccess", 6, module="socket", fallback="tree-sitter")


def test_without_tree_sitter_lines_are_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(treesitter, "scan_tree", lambda fb, data: False)
    result = analyze("py2-print-system.py")
    assert matching(result, "shellAccess", 5, module="os", fallback="regex")
    assert matching(result, "networkAccess", 6, fallback="regex")


def test_fallback_reports_top_level_from_indentation(monkeypatch: pytest.MonkeyPatch) -> None:
    source = b"import os\nprint 'x'\ndef f():\n    os.system('a')\nos.system('b')\n"
    for scan in (None, lambda fb, data: False):
        if scan is not None:
            monkeypatch.setattr(treesitter, "scan_tree", scan)
        result = analyze_bytes(source)
        assert matching(result, "signal:spawn", 4)[0].top_level is False
        assert matching(result, "signal:spawn", 5)[0].top_level is True


def test_latin1_coding_cookie() -> None:
    result = analyze("latin1-cookie.py")
    found = matching(result, "shellAccess", 4, module="os")
    assert found and "café" in found[0].evidence
    assert result.language == "python"


def test_invalid_utf8_without_cookie_is_read_as_latin1() -> None:
    result = analyze("invalid-utf8.py")
    assert matching(result, "shellAccess", 3) and result.skipped is None


@pytest.mark.parametrize(
    "prefix",
    [
        b"x = " + b"-" * 10_000 + b"1\n",  # MemoryError in the parser
        b"x = a" + b".b" * 10_000 + b"\n",  # RecursionError building the AST
        b"x = " + b"[" * 10_000 + b"]" * 10_000 + b"\n",  # too many nested parentheses
        b"x = " + b"lambda: " * 10_000 + b"1\n",
    ],
    ids=["unary", "attribute", "brackets", "lambda"],
)
def test_deep_nesting_uses_the_fallback(prefix: bytes) -> None:
    result = analyze_bytes(prefix + SHELL_CALL)
    # A budget skip (analyzers/budget.py), visible as unanalyzedFile; the fallback still scans.
    assert result.skipped is not None and result.skipped.startswith(budget.TOO_DEEP)
    assert matching(result, "shellAccess", 3, module="os")


def test_deep_but_parseable_expression_is_analysed() -> None:
    source = b"import os\nx = " + b" + ".join([b"'a'"] * 800) + b"\nos.system(x)\n"
    result = analyze_bytes(source)
    assert result.language == "python"
    assert matching(result, "shellAccess", 3)


def test_huge_dense_file_is_scanned_by_lines() -> None:
    filler = b"value = compute(1, 2, 3)\n" * 90_000  # 2 MB of dense calls
    result = analyze_bytes(SHELL_CALL + filler)
    assert result.language == "python?" and result.skipped is not None
    assert result.skipped.startswith(budget.TOO_LARGE) and "line scan only" in result.skipped
    assert matching(result, "shellAccess", 2, fallback="regex")


def test_huge_single_literal_still_uses_ast() -> None:
    blob = b"A" * 10_000_000
    source = b"import base64\nexec(base64.b64decode('" + blob + b"'))\n"
    result = analyze_bytes(source)
    assert result.language == "python"
    assert matching(result, "encodedPayloadExecution", 2)


def test_null_bytes_fall_back() -> None:
    result = analyze_bytes(b"import os\x00\nos.system('x')\n")
    assert result.skipped is None and matching(result, "shellAccess", 2)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_never_raises_on_random_bytes(data: bytes) -> None:
    result = analyze_bytes(data)
    assert isinstance(result, FileAnalysis) and result.skipped is None


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="os.ystemxc(')[]+\"_\n :=lambdaimport,0123456789", max_size=200))
def test_never_raises_on_python_like_text(text: str) -> None:
    result = analyze_bytes(text.encode())
    assert isinstance(result, FileAnalysis) and result.skipped is None
