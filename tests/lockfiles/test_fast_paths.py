"""Each lockfile fast path (issue 17) gives what the general path gives, on the fixtures and on
generated input: the fast path is switched off (or called beside the general one) and compared."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from depshield.lockfiles import pycommon, requirements_line, yarn_classic
from depshield.lockfiles.npm_common import _JSON_ESCAPED, host_and_path
from depshield.lockfiles.yaml_fast import load_plain

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lockfiles"
NEVER = re.compile(r"(?!)")  # a pattern that matches nothing: the fast path off


def _fixtures(pattern: str) -> list[Path]:
    found = sorted(FIXTURES.rglob(pattern))
    assert found, pattern
    return found


# -- URLs: host_and_path is urlsplit's hostname and path ------------------------------------

URL_CHARS = st.sampled_from(list("aZ09-._~:/?#[]@!$&'()*+,;=% \t\né") + ["%41", "//", "::"])
URLS = st.builds(
    lambda scheme, rest: scheme + rest,
    st.sampled_from(["http://", "https://", "HTTPS://", "http:/", "https:"]),
    st.lists(URL_CHARS, max_size=30).map("".join),
)


@given(URLS)
def test_host_and_path_is_urlsplits(url: str) -> None:
    try:
        parts = urlsplit(url)
        expected = (parts.hostname or "", parts.path)
    except ValueError:
        with pytest.raises(ValueError):
            host_and_path(url)
        return
    assert host_and_path(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://registry.example.invalid/pkg/-/pkg-1.0.0.tgz#abc",
        "https://User:pw@Registry.Example.Invalid:8443/@s/a/-/a-1.0.0.tgz?x=1#y",
        "http://[::1]:8080/a/-/a-1.tgz",
        "https://host.invalid/a\n/-/a-1.tgz",
        "https://hóst.invalid/a/-/a-1.tgz",
    ],
)
def test_host_and_path_on_unusual_urls(url: str) -> None:
    parts = urlsplit(url)
    assert host_and_path(url) == (parts.hostname or "", parts.path)


# -- JSON keys: the quoted key KeyLines searches for ----------------------------------------


@given(st.text(max_size=20))
def test_unescaped_key_needs_no_json_dumps(key: str) -> None:
    if not _JSON_ESCAPED.search(key):
        assert json.dumps(key, ensure_ascii=False) == f'"{key}"'


# -- yarn classic: the one-match line reads as the general path reads it --------------------

YARN_LINE = st.builds(
    lambda indent, key, gap, value, tail: indent + key + gap + value + tail,
    st.sampled_from(["", " ", "  ", "   ", "    ", "\t", "  \t", " \xa0"]),
    st.sampled_from(['"a@^1"', "version", "#x", "=======", "<<<<<<<", "a:b", '"q\\"', "k"]),
    st.sampled_from([" ", "  ", ":", " : "]),
    st.sampled_from(['"1.0.0"', "1.0.0", "true", '"a b"', "x,y", '"\\u0041"', ""]),
    st.sampled_from(["", " ", "\t", ":"]),
)


def _classic(text: str) -> object:
    try:
        return [(b.patterns, b.fields, b.line) for b in yarn_classic.parse_classic(Path("y"), text)]
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return type(exc), str(exc)


def _both_classic(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    fast = _classic(text)
    with monkeypatch.context() as patch:
        patch.setattr(yarn_classic, "_SIMPLE_LINE", NEVER)
        general = _classic(text)
    return fast, general


@pytest.mark.parametrize("path", _fixtures("*classic*.yarn.lock"), ids=lambda p: p.name)
def test_yarn_fast_line_on_fixtures(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, general = _both_classic(path.read_text(), monkeypatch)
    assert isinstance(fast, list) and fast
    assert fast == general


@settings(max_examples=300)
@given(st.lists(YARN_LINE, min_size=1, max_size=6))
def test_yarn_fast_line_on_generated_lines(lines: list[str]) -> None:
    text = "# yarn lockfile v1\n\n" + '"a@^1", a@^2:\n' + "\n".join(lines) + "\n"
    with pytest.MonkeyPatch.context() as patch:
        fast, general = _both_classic(text, patch)
    assert fast == general


# -- YAML: the event builder gives what safe_load gives -------------------------------------


@pytest.mark.parametrize(
    "path", [p for p in _fixtures("*.yaml") if p.parent.name != "bad"], ids=lambda p: p.name
)
def test_yaml_builder_on_fixtures(path: Path) -> None:
    text = path.read_text()
    built = load_plain(text)
    assert built is not None
    assert built == yaml.safe_load(text)


YAML_SCALARS = st.sampled_from(["a", "1", "1.5", "true", "~", "''", "2020-01-01", "'x'", "-1"])


@settings(max_examples=200)
@given(st.recursive(YAML_SCALARS, lambda inner: st.dictionaries(YAML_SCALARS, inner, max_size=3)))
def test_yaml_builder_on_generated_documents(tree: object) -> None:
    text = yaml.safe_dump({"root": tree}) if not isinstance(tree, str) else f"root: {tree}\n"
    assert load_plain(text) == yaml.safe_load(text)


# -- requirements: a plain pin reads as packaging reads it ---------------------------------

NAMES = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,6}", fullmatch=True)
VERSIONS = st.from_regex(
    r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}((a|b|rc)[0-9])?(\.post[0-9])?(\.dev[0-9])?"
)


@given(NAMES, st.sampled_from(["==", " == ", "\t==", "==="]), VERSIONS.filter(lambda v: v))
def test_plain_pin_reads_as_packaging_reads_it(name: str, op: str, version: str) -> None:
    text = f"{name}{op}{version}"
    try:
        general = requirements_line.pep508_requirement(text)
    except ValueError:
        general = None
    if requirements_line._PLAIN_PIN.fullmatch(text):
        assert requirements_line.parse_requirement(text) == general


def test_plain_pin_on_fixtures() -> None:
    seen = 0
    for path in _fixtures("*requirements*.txt"):
        for line in requirements_line.logical_lines(path.read_text()):
            text = line.text.split(" -", 1)[0].strip()
            if text and requirements_line._PLAIN_PIN.fullmatch(text):
                seen += 1
                expected = requirements_line.pep508_requirement(text)
                assert requirements_line.parse_requirement(text) == expected
    assert seen > 5


@given(st.text(alphabet="aZ09-_.é", max_size=12))
def test_normalize_fast_path(name: str) -> None:
    assert pycommon.normalize(name) == pycommon._SEPARATORS.sub("-", name).lower()


# -- poetry-style locks: pieces of many entries, of one entry, and the whole document -------


def _entry_lock(count: int) -> str:
    entries = [
        f'[[package]]\nname = "p{i}"\nversion = "1.{i}"\nfiles = [\n  {{file = "p{i}.whl"}},\n]\n'
        for i in range(count)
    ]
    return "\n".join(entries) + '\n[metadata]\nlock-version = "2.0"\n'


@pytest.mark.parametrize("count", [0, 1, 255, 256, 257, 700])
def test_toml_pieces_match_the_whole_document(count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    text = _entry_lock(count)
    whole = pycommon.load_toml(Path("l"), text)
    batched = pycommon.load_toml_entries(Path("l"), text)
    monkeypatch.setattr(pycommon, "_PIECE_ENTRIES", 1)
    single = pycommon.load_toml_entries(Path("l"), text)
    assert batched == single == whole


def _anchored_entry_lines(text: str, header: str) -> list[int]:
    """entry_lines as it was, with a `^[ \t]*`-anchored header search: the reference."""
    headers = re.compile(rf"^[ \t]*\[\[[ \t]*{re.escape(header)}[ \t]*\]\]", re.M)
    name_key = re.compile(r"^[ \t]*(?:(name)[ \t]*=|\[)", re.M)
    lines: list[int] = []
    for match in headers.finditer(text):
        found = name_key.search(text, match.end())
        start = found.start() if found and found.group(1) else match.start()
        lines.append(text.count("\n", 0, start) + 1)
    return lines


@pytest.mark.parametrize("path", _fixtures("*.lock"), ids=lambda p: p.name)
def test_entry_lines_match_the_anchored_search(path: Path) -> None:
    text = path.read_text(errors="replace")
    for header in ("package", "packages"):
        assert pycommon.entry_lines(text, header) == _anchored_entry_lines(text, header)


@given(
    st.lists(
        st.sampled_from(
            [
                "[[package]]",
                "  [[ package ]]",
                "x [[package]]",
                "name = 1",
                "[package.x]",
                "",
                "  name=2",
            ]
        ),
        max_size=8,
    )
)
def test_entry_lines_on_generated_text(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert pycommon.entry_lines(text, "package") == _anchored_entry_lines(text, "package")
