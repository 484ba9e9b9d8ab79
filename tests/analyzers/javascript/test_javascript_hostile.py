"""The JavaScript analyzer on hostile input: huge one-line bundles, deep nesting, bad bytes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depshield.analyzers.javascript import JavaScriptAnalyzer

FIXTURES = Path(__file__).parents[2] / "fixtures" / "js"
ANALYZER = JavaScriptAnalyzer()
DEPTH = 10_000

# A 10 MB bundle on one line: minified code with an embedded asset table, as bundlers emit,
# and one child_process call at the start. Run in a child process to read its peak memory.
BIG_BUNDLE = textwrap.dedent(
    """
    import json, resource, sys
    from pathlib import Path
    from depshield.analyzers.javascript import JavaScriptAnalyzer

    code = Path(sys.argv[1]).read_bytes().strip()
    svg = b"PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4"
    asset = b'var asset="' + svg * 270 + b'";'
    unit = code + b";" + asset
    parts = [unit] * (10_000_000 // len(unit) + 2)
    parts[0] = b'require("child_process").exec("ls")'
    data = b";".join(parts)
    fa = JavaScriptAnalyzer().analyze("dist/bundle.js", data)
    print(json.dumps({
        "size": len(data), "newlines": data.count(b"\\n"), "skipped": fa.skipped,
        "types": sorted({f.type for f in fa.findings}),
        "max_per_type": max([sum(1 for g in fa.findings if g.type == f.type)
                             for f in fa.findings] or [0]),
        "shell_lines": sorted({f.line for f in fa.findings if f.type == "shellAccess"}),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
    """
)


def test_ten_megabyte_single_line_bundle_is_bounded() -> None:
    unit = FIXTURES / "minified-own-bundle.min.js"
    done = subprocess.run(
        [sys.executable, "-c", BIG_BUNDLE, str(unit)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = json.loads(done.stdout)
    assert report["size"] >= 10_000_000 and report["newlines"] == 0
    # Past the parse budget (analyzers/budget.py) the rules see the file in windows, and say
    # so; the whole-file checks (minified or obfuscated) still run on all of it.
    assert report["skipped"].startswith("analysed in parts (10,003,360 bytes in 5 parts"), report
    assert "minifiedFile" in report["types"] and "obfuscatedFile" not in report["types"]
    assert report["shell_lines"] == [1]  # the call at the start was seen
    assert report["max_per_type"] <= 20  # repeats are capped per file
    # The script holds three copies of the 10 MB input itself; the whole `depshield package`
    # command on such a file peaks at ~260 MB (bench/hostile.py ANALYSIS_ROWS).
    assert report["rss_mb"] < 400, report


NESTED = {
    "calls": "x = " + "f(" * DEPTH + ")" * DEPTH,
    "functions": "function a() {" * DEPTH + "eval(x)" + "}" * DEPTH,
    "iifes": "(function () {" * DEPTH + "require('child_process').exec('ls')" + "})()" * DEPTH,
    "callbacks": "f(function () {" * DEPTH + "g()" + "})" * DEPTH,
    "arrays": "x = " + "[" * DEPTH + "]" * DEPTH,
    "objects": "x = " + "{a:" * DEPTH + "1" + "}" * DEPTH,
    "members": "x = a" + ".b" * DEPTH,
    "concatenation": "require('a'" + " + 'a'" * DEPTH + ")",
    "templates": "x = `${" * DEPTH + "1" + "}`" * DEPTH,
    "assignments": "a = " * DEPTH + "require(name)",
    "requires": "x = " + "require(" * DEPTH + "'fs'" + ")" * DEPTH,
    "ternaries": "x = " + "a ? " * DEPTH + "1" + " : 2" * DEPTH,
    "news": "x = " + "new " * DEPTH + "X",
}


@pytest.mark.parametrize("shape", sorted(NESTED))
def test_ten_thousand_levels_of_nesting(shape: str) -> None:
    fa = ANALYZER.analyze(f"{shape}.js", NESTED[shape].encode())
    assert fa.skipped is None, fa.skipped


def test_deep_code_is_still_analysed() -> None:
    fa = ANALYZER.analyze("f.js", NESTED["functions"].encode())
    assert {(f.type, f.line) for f in fa.findings} >= {("usesEval", 1)}
    iife = ANALYZER.analyze("i.js", NESTED["iifes"].encode())
    shell = [f for f in iife.findings if f.type == "shellAccess"]
    assert shell and all(f.top_level for f in shell)  # IIFEs run when the file loads
    assert ("dynamicRequire", 1) in {
        (f.type, f.line) for f in ANALYZER.analyze("a.js", NESTED["assignments"].encode()).findings
    }


def test_non_utf8_bytes_are_replaced_not_fatal() -> None:
    data = b"const s = '\xff\xfe\xc3';\nconst cp = require('child_process');\ncp.exec('id');\n"
    fa = ANALYZER.analyze("latin.js", data)
    assert fa.skipped is None
    assert {f.line for f in fa.findings if f.type == "shellAccess"} == {2, 3}


@pytest.mark.parametrize(
    "data",
    [b"", b"\xef\xbb\xbf", bytes(range(256)) * 40, b"\x00" * 5000, b"}}}{{{((", b"`${`${"],
    ids=["empty", "bom", "all-bytes", "nuls", "brackets", "open-templates"],
)
def test_garbage_never_raises(data: bytes) -> None:
    fa = ANALYZER.analyze("g.js", data)
    assert fa.path == "g.js" and fa.language == "javascript"


TOKENS = st.sampled_from(
    [
        *("require", "import", "'child_process'", "process", "env", "eval", "Function", "new"),
        *("Buffer", ".from", "'base64'", "atob", "fetch", "then", "function", "=>", "const"),
        *("=", "(", ")", "{", "}", "[", "]", ",", ";", ".", "`", "${", "+", "...", "?", ":"),
        *("x", "'a'", "0x1f", "String.fromCharCode", "while(true)", "for(;;)", "module"),
        *("constructor", "global", "||", "return", "async", "await", "class", "#p", "<a>"),
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(TOKENS, max_size=60).map(" ".join)
    | st.text(alphabet="()[]{}`'\"+.;=,!?:${}\\ abceilnqrstuvx0123456789\n", max_size=300)
)
def test_any_text_gives_a_result(text: str) -> None:
    for name in ("h.js", "h.ts", "h.tsx"):
        fa = ANALYZER.analyze(name, text.encode())
        assert fa.skipped is None  # no internal error on any input
        assert all(f.line >= 1 and len(f.evidence) <= 120 for f in fa.findings)
