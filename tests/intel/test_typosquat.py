"""didYouMean: each technique fires on a squat and stays quiet on the honest look-alike."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depshield.intel import popularity
from depshield.intel.confusables import edit_relation, registry_key, skeleton
from depshield.intel.typosquat import did_you_mean

ROOT = Path(__file__).resolve().parents[2]

# The typosquat names of /work/shared/INCIDENTS.md, with the package each one imitates.
INCIDENT_SQUATS = [
    ("npm", "loadsh", "lodash", "swappedLetters"),
    ("pypi", "reqeusts", "requests", "swappedLetters"),
    ("npm", "evnt-stream", "event-stream", "editDistance"),
    ("npm", "event.stream", "event-stream", "redelimited"),
    ("npm", "1odash", "lodash", "confusable"),
    ("npm", "react2", "react", "affix"),
    ("npm", "crossenv", "cross-env", "redelimited"),
    ("pypi", "colourama", "colorama", "editDistance"),
    ("pypi", "jeIlyfish", "jellyfish", "confusable"),
]


@pytest.mark.parametrize(("ecosystem", "name", "target", "reason"), INCIDENT_SQUATS)
def test_incident_squats_fire(ecosystem: str, name: str, target: str, reason: str) -> None:
    finding = did_you_mean(ecosystem, name)
    assert finding is not None
    assert (finding.type, finding.file, finding.line) == ("didYouMean", "", 0)
    assert finding.props["alternatePackage"] == target
    assert finding.props["reason"] == reason
    assert finding.props["candidateRank"] is None
    assert finding.props["targetRank"] >= 1
    assert repr(name) in finding.evidence


@pytest.mark.parametrize(
    ("ecosystem", "name", "target", "reason"),
    [
        ("npm", "types-node", "@types/node", "scopeConfusion"),
        ("npm", "@types-lodash", "@types/lodash", "scopeConfusion"),
        ("npm", "env-cross", "cross-env", "reorderedWords"),
        ("npm", "expresss", "express", "repeatedLetter"),
        ("npm", "rnoment", "moment", "confusable"),
        ("npm", "vvebpack", "webpack", "confusable"),
        ("pypi", "requ\u0435sts", "requests", "confusable"),  # Cyrillic e
        ("pypi", "colorama-py", "colorama", "affix"),
        ("npm", "node-lodash", "lodash", "affix"),
        ("npm", "@bable/core", "@babel/core", "swappedLetters"),
        ("pypi", "seleniumm", "selenium", "repeatedLetter"),
        ("pypi", "pythondateutil", "python-dateutil", "redelimited"),
        # Near installer too (affix py + doubled n), but the sharper technique names the target.
        ("pypi", "pyinnstaller", "pyinstaller", "repeatedLetter"),
    ],
)
def test_each_technique_fires(ecosystem: str, name: str, target: str, reason: str) -> None:
    finding = did_you_mean(ecosystem, name)
    assert finding is not None
    assert (finding.props["alternatePackage"], finding.props["reason"]) == (target, reason)


@pytest.mark.parametrize(
    ("ecosystem", "name"),
    [
        ("npm", "lodash"),  # the popular package itself
        ("npm", "react-dnd"),  # both popular: react-dom / react-dnd
        ("npm", "babel-core"),  # popular in its own right beside @babel/core
        ("pypi", "python_dateutil"),  # PEP 503: the same name as python-dateutil
        ("pypi", "PyYAML"),
        ("npm", "@babel/cores"),  # only babel publishes in @babel: not a stranger's squat
        ("npm", "vuex"),  # short names: one letter from vue is just another name
        ("npm", "@esbuild-plugins/node-resolve"),  # an owned scope, not an affix on resolve
        ("pypi", "grequests"),  # allow-listed honest pair
        ("pypi", "requests3"),  # allow-listed: the same author's successor
        ("npm", "cobble-stone-xyz"),  # near nothing popular
        ("pypi", "ldap2"),  # version lines differ by a digit, not a typo
    ],
)
def test_honest_names_stay_quiet(ecosystem: str, name: str) -> None:
    assert did_you_mean(ecosystem, name) is None


@pytest.mark.parametrize(
    ("ecosystem", "name"),
    [("npm", ""), ("npm", "   "), ("npm", "a" * 300), ("cargo", "loadsh"), ("npm", None)],
)
def test_bad_input_is_none(ecosystem: str, name: object) -> None:
    assert did_you_mean(ecosystem, name) is None  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["npm", "pypi"]), st.text(max_size=40))
def test_never_raises_and_names_a_popular_target(ecosystem: str, name: str) -> None:
    finding = did_you_mean(ecosystem, name)
    if finding is not None:
        index = popularity.load_index(ecosystem)
        assert finding.props["alternatePackage"] in index.names


@pytest.mark.parametrize("ecosystem", ["npm", "pypi"])
def test_popular_names_do_not_flag_each_other(ecosystem: str) -> None:
    index = popularity.load_index(ecosystem)
    flagged = [n for n in index.names if did_you_mean(ecosystem, n) is not None]
    assert flagged == []


def test_edit_relations() -> None:
    assert edit_relation("loadsh", "lodash") == ("swappedLetters", True)
    assert edit_relation("fequests", "requests") == ("editDistance", True)  # f touches r
    assert edit_relation("pacparser", "pycparser") == ("editDistance", False)
    assert edit_relation("evntstream", "eventstream") == ("editDistance", True)
    assert edit_relation("cobbler", "cobble") == ("editDistance", False)  # grows at the end
    assert edit_relation("ldap2", "ldap3") is None
    assert edit_relation("lodash", "lodash-utils") is None


def test_name_forms() -> None:
    assert registry_key("pypi", "Python_Dateutil") == "python-dateutil"
    assert registry_key("npm", "JSONStream") == "jsonstream"
    assert skeleton("jeIlyfish") == skeleton("jellyfish")
    assert skeleton("1odash") == skeleton("lodash")
    assert skeleton("@babel/core") == skeleton("babel-core")
    assert skeleton("requests-sse") != skeleton("requestse")


@pytest.fixture
def tiny_lists(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    files = {
        "npm-popular.txt": "alpha-widget\t1000000\nalpha-gadget\t900000\nalpha-widgets\t100\n",
        "pypi-popular.txt": "alpha-widget\n",
        "typosquat-allow.txt": "# comment line\nnpm alpha-widgez alpha-widget  # honest\nbad\n",
    }
    monkeypatch.setattr(popularity, "_read", files.__getitem__)
    popularity.load_index.cache_clear()
    popularity.list_facts.cache_clear()
    yield
    popularity.load_index.cache_clear()
    popularity.list_facts.cache_clear()


@pytest.mark.usefixtures("tiny_lists")
def test_gate_on_popularity_gap_and_allow_list() -> None:
    squat = did_you_mean("npm", "alpha-widgets")  # on the list, but 10,000x less downloaded
    assert squat is not None and squat.props["candidateRank"] == 3
    assert did_you_mean("npm", "alpha-gadget") is None  # on the list and about as popular
    assert did_you_mean("npm", "alpha-widgez") is None  # allow-listed
    assert did_you_mean("npm", "alpha-widgey") is not None  # the same edit, not listed


def test_build_script_writes_lists_and_source(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bp", ROOT / "scripts" / "build_popularity.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    npm = tmp_path / "npm.tsv"
    npm.write_text("name\tdownloads_a_month\nsmall\t5\nbig\t500\n", encoding="utf-8")
    pypi = tmp_path / "pypi.tsv"
    pypi.write_text("name\tdownload_rank\nsecond\t2\nfirst\t1\n", encoding="utf-8")
    assert module.main([str(npm), str(pypi), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "npm-popular.txt").read_text() == "big\t500\nsmall\t5\n"
    assert (tmp_path / "out" / "pypi-popular.txt").read_text() == "first\nsecond\n"
    source = (tmp_path / "out" / "POPULARITY-SOURCE.md").read_text()
    assert "download counts" in source and "facts" in source


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("libsql-linux-x64-musl", "@libsql/linux-x64-musl"),
        ("esbuild-linux-x64", "esbuild-linux-64"),
    ],
)
def test_platform_builds_are_no_typo_targets(name: str, target: str) -> None:
    # A parent package's optionalDependencies install these; nobody types their names.
    assert did_you_mean("npm", name) is None
    assert (
        did_you_mean("npm", target) is None
        or did_you_mean("npm", target).props["alternatePackage"] != name
    )


@pytest.mark.parametrize(
    ("name", "target"), [("windows-relase", "windows-release"), ("macos-relaese", "macos-release")]
)
def test_an_os_word_without_a_processor_is_still_a_target(name: str, target: str) -> None:
    # `windows-release` is a library people type, not a platform build.
    finding = did_you_mean("npm", name)
    assert finding is not None and finding.props["alternatePackage"] == target
