"""Static decoding of obfuscator.io string arrays: the decoded strings reach the same rules,
at the original file and line; a checksum that does not replay decodes nothing."""

from __future__ import annotations

import importlib.util
import math
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depshield.alerts.grading import THREATS
from depshield.analyzers.javascript import JavaScriptAnalyzer
from depshield.analyzers.javascript.parse import capture, parse
from depshield.analyzers.javascript.strarray import decode
from depshield.analyzers.javascript.strdecode import parse_int
from depshield.api import analyze_artifact

FIXTURES = Path(__file__).parents[2] / "fixtures" / "js"
OBFUSCATED = FIXTURES / "obfuscated"
ANALYZER = JavaScriptAnalyzer()


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_obfuscated", OBFUSCATED / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()


def decoded_text(source: bytes) -> str | None:
    result = decode(source, capture("javascript", parse("javascript", source)))
    return None if result is None else result.source.decode("utf-8")


def findings(name: str) -> set[tuple[str, int]]:
    fa = ANALYZER.analyze(name, (OBFUSCATED / name).read_bytes())
    assert all(f.file == name for f in fa.findings)
    return {(f.type, f.line) for f in fa.findings}


def as_partial_package(tmp_path: Path, name: str):  # type: ignore[no-untyped-def]
    """A payload file without its package.json, as the partial corpus samples come."""
    root = tmp_path / "pkg"
    root.mkdir()
    shutil.copy(OBFUSCATED / name, root / "index.js")
    return analyze_artifact(root)


def test_fixtures_are_what_the_generator_writes() -> None:
    for name, (program, kind, seed) in GEN.FIXTURES.items():
        assert (OBFUSCATED / name).read_text("utf-8") == GEN.obfuscate(program, kind, seed)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # base64 decoder, rotation, wrappers: the module names and the token store come back
        (
            "strarray-token-webhook.js",
            {("filesystemAccess", 5), ("networkAccess", 7), ("suspiciousString", 8)},
        ),
        # RC4 decoder with a key per call
        (
            "strarray-rc4-dropper.js",
            {("networkAccess", 5), ("shellAccess", 7), ("urlStrings", 9), ("shellAccess", 12)},
        ),
        ("strarray-plain-grabber.js", {("networkAccess", 7), ("suspiciousString", 8)}),
    ],
)
def test_decoded_strings_reach_the_rules_at_the_original_line(
    name: str, expected: set[tuple[str, int]]
) -> None:
    found = findings(name)
    assert expected <= found, sorted(found)
    assert ("obfuscatedFile", 4) in found  # the obfuscation itself is still reported


def test_decoded_findings_say_they_were_decoded() -> None:
    fa = ANALYZER.analyze("x.js", (OBFUSCATED / "strarray-token-webhook.js").read_bytes())
    net = [f for f in fa.findings if f.type == "networkAccess"]
    assert net and "string array" in net[0].props["deobfuscated"]
    assert 'require("https")' in net[0].evidence


def test_decoded_token_grabber_blocks_without_a_manifest(tmp_path: Path) -> None:
    result = as_partial_package(tmp_path, "strarray-token-webhook.js")
    assert result.verdict == "block"
    hits = {(a.type, a.file, a.line) for a in result.alerts if a.action == "error"}
    assert ("dataExfiltration", "index.js", 10) in hits


def test_obfuscated_licence_check_is_not_a_threat(tmp_path: Path) -> None:
    """A commercial SDK hiding its licence check: decoded, it hashes a key and warns."""
    found = findings("strarray-licence-check.js")
    assert ("urlStrings", 9) in found  # decoded
    result = as_partial_package(tmp_path, "strarray-licence-check.js")
    assert result.verdict != "block"
    assert not {a.type for a in result.alerts} & THREATS


def test_real_obfuscator_output_decodes() -> None:
    """javascript-obfuscator's own output (seed 7): the greeting's strings are back."""
    text = decoded_text((FIXTURES / "obfuscated-string-array.js").read_bytes())
    assert text is not None
    assert 'console["log"](greet("reader"))' in text


def test_a_checksum_that_does_not_replay_decodes_nothing() -> None:
    source = (OBFUSCATED / "strarray-token-webhook.js").read_text("utf-8")
    head, _, rest = source.partition("(_0x2a9f,")
    target, _, tail = rest.partition("));")
    tampered = f"{head}(_0x2a9f,{target}+0x1));{tail}"
    assert decoded_text(tampered.encode()) is None


def test_plain_array_lookups_are_resolved() -> None:
    source = (
        b"var _0xab12=['child_process','exec','id'];require(_0xab12[0])[_0xab12[1]](_0xab12[2]);"
    )
    assert decoded_text(source) == (
        "var _0xab12=['child_process','exec','id'];require(\"child_process\")[\"exec\"](\"id\");"
    )


def test_ordinary_arrays_are_left_alone() -> None:
    source = b"const colors = ['red', 'green', 'blue'];\nconsole.log(colors[0]);\n"
    assert decoded_text(source) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("12abc", 12.0), ("  -7x", -7.0), ("0x1fq", 31.0), ("abc", math.nan), ("", math.nan)],
)
def test_parse_int_is_javascripts(text: str, value: float) -> None:
    got = parse_int(text)
    assert got == value or (math.isnan(value) and math.isnan(got))


WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz./_-:ABC0123456789 ", min_size=1, max_size=12)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(WORDS, min_size=2, max_size=8, unique=True),
    st.sampled_from(["plain", "base64", "rc4"]),
    st.integers(0, 1000),
)
def test_every_string_comes_back(words: list[str], kind: str, seed: int) -> None:
    program = "".join(f"use('{w}');\n" for w in words)
    text = decoded_text(GEN.obfuscate(program, kind, seed).encode())
    assert text is not None
    body = text.split("\n", 4)[4]
    assert body == "".join(f"use({_js_string(w)});\n" for w in words)


def _js_string(value: str) -> str:
    import json

    return json.dumps(value)


def test_string_objects_are_read_after_the_array_layer() -> None:
    """Control-flow flattening keeps decoded strings in `_0x..` objects, split by `+`."""
    source = (
        b"var _0xab12=['https://hook.example.invalid/','get','x'];\n"
        b"const _0x1d66={'cTyWo':_0xab12[0]+'x','lxOro':function(a,b){return a+b;}};\n"
        b"require('https')[_0xab12[1]](_0x1d66['cTyWo']);\n"
    )
    first = decoded_text(source)
    assert first is not None
    second = decoded_text(first.encode())
    assert second is not None
    assert second.splitlines()[2] == 'require(\'https\')["get"]("https://hook.example.invalid/x");'
    fa = ANALYZER.analyze("x.js", source)
    assert any(f.type == "urlStrings" and f.line == 2 for f in fa.findings)
    assert ("signal:sink", 3) in {(f.type, f.line) for f in fa.findings}


def test_a_string_object_written_to_is_left_alone() -> None:
    source = b"const _0x1d66={'k':'a'};\n_0x1d66['k']='b';\nuse(_0x1d66['k']);\n"
    assert decoded_text(source) is None


def test_hidden_dns_exfiltration_in_a_function_blocks(tmp_path: Path) -> None:
    """The environment leaked through DNS lookups of computed names, strings hidden in an
    array: hiding where data goes is the intent, even in code that only runs when called."""
    result = as_partial_package(tmp_path, "strarray-dns-leak.js")
    hits = {(a.type, a.file, a.line) for a in result.alerts if a.action == "error"}
    assert ("dataExfiltration", "index.js", 11) in hits, sorted(hits)
    assert result.verdict == "block"
