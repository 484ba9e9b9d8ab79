"""Tests for UnicodeAnalyzer on fixtures holding hidden and confusable characters."""

from __future__ import annotations

from pathlib import Path

import pytest

from depshield.analyzers.unicode import UnicodeAnalyzer
from depshield.model import Finding

FIXTURES = Path(__file__).parent.parent / "fixtures" / "content" / "unicode"
UNICODE_TYPES = {"bidi", "zeroWidth", "invisibleChars", "homoglyphs", "badEncoding"}


def analyze(name: str) -> list[Finding]:
    result = UnicodeAnalyzer().analyze(name, (FIXTURES / name).read_bytes())
    assert (result.path, result.language, result.skipped) == (name, "text", None)
    return list(result.findings)


def places(findings: list[Finding], type_: str) -> list[tuple[int, int]]:
    return [(f.line, f.column) for f in findings if f.type == type_]


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("index.js", True),
        ("lib/x.MJS", True),
        ("src/a.tsx", True),
        ("pkg/__init__.py", True),
        ("site-packages/evil.pth", True),
        ("bin/install.sh", True),
        ("package.json", True),
        ("x/package.json", True),
        ("locales/ar.json", False),
        ("README.md", False),
        ("lib/x.node", False),
    ],
)
def test_wants_source_files_and_package_json(path: str, wanted: bool) -> None:
    assert UnicodeAnalyzer().wants(path) is wanted


def test_ascii_fast_path_has_no_findings() -> None:
    result = UnicodeAnalyzer().analyze("a.js", b"const a = 1;\n")
    assert result.findings == ()


def test_trojan_source_bidi_controls_with_line_and_column() -> None:
    found = analyze("trojan-source-bidi.js")
    assert places(found, "bidi") == [(3, 3), (3, 7), (3, 20), (3, 22), (5, 20), (5, 24)]
    first = next(f for f in found if f.type == "bidi")
    assert first.props == {"char": "U+202E", "name": "RIGHT-TO-LEFT OVERRIDE"}
    assert first.file == "trojan-source-bidi.js"
    assert "<U+202E>" in first.evidence  # shown by name, not replayed


def test_zero_width_space_inside_identifier() -> None:
    found = analyze("zero-width-identifier.js")
    assert places(found, "zeroWidth") == [(2, 9), (3, 20)]


def test_zero_width_in_package_json_script() -> None:
    assert places(analyze("package.json"), "zeroWidth") == [(4, 28)]


@pytest.mark.parametrize(
    ("name", "where", "char"),
    [
        ("hangul-filler-identifier.js", [(1, 18), (2, 39)], "U+3164"),
        ("tag-chars.js", [(2, 17), (2, 18), (2, 19), (2, 20)], "U+E0065"),
        ("variation-selector-payload.js", [(1, 12), (1, 13), (1, 14)], "U+E0100"),
        ("soft-hyphen.py", [(2, 7)], "U+00AD"),
    ],
)
def test_invisible_characters(name: str, where: list[tuple[int, int]], char: str) -> None:
    found = analyze(name)
    assert places(found, "invisibleChars") == where
    assert next(f for f in found if f.type == "invisibleChars").props["char"] == char


def test_homoglyph_identifier_mixing_latin_and_cyrillic() -> None:
    found = [f for f in analyze("homoglyph.py") if f.type == "homoglyphs"]
    assert [(f.line, f.column) for f in found] == [(3, 5)]
    assert found[0].props == {"word": "check_p\u0430ssword", "scripts": ["Cyrillic", "Latin"]}


@pytest.mark.parametrize(
    "name",
    [
        "emoji-zwj.js",  # ZWJ between emoji, a flag tag sequence, VS16
        "i18n-rtl.js",  # RLM marks, Persian ZWNJ, Cyrillic words next to Latin words
        "greek-math.py",  # Greek identifiers that are not Latin look-alikes
        "cjk-variant.js",  # an ideographic variation selector after a CJK ideograph
        "bom-at-start.js",  # a UTF-8 BOM is an encoding mark, not a hidden character
        "utf16-bom.js",  # UTF-16 with a BOM is a standard text encoding
        "latin1-declared.py",  # PEP 263 coding cookie
        "entity-table.js",  # a soft hyphen as a value; BOM and ZWSP inside Thai text
        "escaped-cyrillic.py",  # "\\n" before a Cyrillic word is an escape, not a Latin n
    ],
)
def test_benign_look_alikes_stay_quiet(name: str) -> None:
    assert [f for f in analyze(name) if f.type in UNICODE_TYPES] == []


def test_undeclared_latin1_is_bad_encoding_at_its_line() -> None:
    found = analyze("latin1-undeclared.js")
    assert [(f.type, f.line, f.props["encoding"]) for f in found] == [("badEncoding", 2, "cp1252")]


def test_utf16_without_bom_is_bad_encoding_guessed_as_utf16() -> None:
    found = analyze("utf16-no-bom.js")
    assert [(f.type, f.props["encoding"]) for f in found] == [("badEncoding", "utf-16-le")]


def test_findings_per_type_are_capped() -> None:
    data = ("x\u200by;\n" * 500).encode()
    found = UnicodeAnalyzer().analyze("flood.js", data).findings
    assert len(found) == 10
    assert found[-1].line == 10


def test_bom_later_in_the_file_is_zero_width() -> None:
    found = UnicodeAnalyzer().analyze("a.js", "a;\nb\ufeff;\n".encode()).findings
    assert [(f.type, f.line, f.column) for f in found] == [("zeroWidth", 2, 2)]


@pytest.mark.parametrize(
    "data", [b"\xff\xfe\x00", b"\xc3", b"\x80" * 100, b"\x00\xe9" * 3000, "\U0010ffff".encode()]
)
def test_hostile_bytes_never_raise(data: bytes) -> None:
    result = UnicodeAnalyzer().analyze("x.js", data)
    assert result.path == "x.js"
