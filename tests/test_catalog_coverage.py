"""Every alert type of the catalog has a firing fixture and a benign look-alike, end to end.

The table is tests/fixtures/catalog/coverage.toml: artifact cases analysed here, and for types
that need outside data the unit tests elsewhere that assert them (docs/testing.md lists them).
"""

from __future__ import annotations

import ast
import json
import shutil
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from depshield.alerts.catalog import CATALOG
from depshield.api import analyze_artifact
from depshield.model import PackageResult
from depshield.policy import Policy

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
TABLE = tomllib.loads((FIXTURES / "catalog" / "coverage.toml").read_text(encoding="utf-8"))

Analyse = Callable[[str], PackageResult]


class Case(NamedTuple):
    """One type in one ecosystem: the fixture that fires it at file:line (None: no file or no
    line in the alert) and the look-alike on which it must stay quiet."""

    type: str
    ecosystem: str
    fires: str
    file: str | None
    line: int | None
    lookalike: str


def _cases() -> list[Case]:
    cases = []
    for type_, by_ecosystem in TABLE["case"].items():
        for ecosystem, (fires, at, lookalike) in by_ecosystem.items():
            file, colon, line = at.rpartition(":")
            if not colon or not line.isdigit():
                file, line = at, ""
            cases.append(
                Case(type_, ecosystem, fires, file or None, int(line) if line else None, lookalike)
            )
    return cases


CASES = _cases()
EXTERNAL: dict[str, dict[str, list[str]]] = TABLE["external"]

# A neutral manifest for a wrapped code file: complete hygiene and a permissive license, so the
# only signals are the wrapped file's own.
_NPM_WRAPPER = {
    "name": "wrapped-fixture",
    "version": "1.0.0",
    "description": "One fixture file as a package",
    "license": "MIT",
    "author": "Fixture <fixture@example.invalid>",
    "repository": "git+https://git.example.invalid/fixtures/wrapped.git",
    "homepage": "https://wrapped.example.invalid/",
    "bugs": "https://wrapped.example.invalid/issues",
    "scripts": {"test": "node --test"},
}
_PKG_INFO = """\
Metadata-Version: 2.1
Name: wrapped-fixture
Version: 1.0.0
Summary: One fixture file as a package
Author: Fixture
License: MIT
Home-page: https://wrapped.example.invalid/
Project-URL: Source, https://git.example.invalid/fixtures/wrapped
Project-URL: Issues, https://git.example.invalid/fixtures/wrapped/issues

One fixture file as a package.
"""


def _wrap(fixture: Path, into: Path) -> Path:
    """A package directory holding `fixture`: a lone package.json, or a code file beside a
    neutral manifest that names it as the entry point."""
    into.mkdir(parents=True)
    if fixture.suffix == ".json":
        shutil.copyfile(fixture, into / "package.json")
        return into
    shutil.copyfile(fixture, into / fixture.name)
    if fixture.suffix in (".py", ".pth"):
        (into / "PKG-INFO").write_text(_PKG_INFO, encoding="utf-8")
    else:
        manifest = {**_NPM_WRAPPER, "main": fixture.name}
        (into / "package.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return into


@pytest.fixture(scope="module")
def analyse(tmp_path_factory: pytest.TempPathFactory) -> Analyse:
    """Analyse each fixture once, with an empty depshield home: no vulnerability data, so only
    what the artifact itself shows can fire."""
    results: dict[str, PackageResult] = {}
    root = tmp_path_factory.mktemp("catalog")

    def run(fixture: str) -> PackageResult:
        if fixture not in results:
            path = FIXTURES / fixture
            if path.is_file():
                path = _wrap(path, root / "wrapped" / fixture)
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("DEPSHIELD_HOME", str(root / "home"))
                results[fixture] = analyze_artifact(path)
        return results[fixture]

    return run


def _case_id(case: Case) -> str:
    return f"{case.type}-{case.ecosystem}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_fires_on_its_fixture(case: Case, analyse: Analyse) -> None:
    # result.alerts holds every alert, `ignore` actions included (the report's --all view).
    result = analyse(case.fires)
    assert result.ref.ecosystem == case.ecosystem
    found = {(a.type, a.file, a.line) for a in result.alerts}
    where = sorted((str(f), line or 0) for t, f, line in found if t == case.type)
    assert (case.type, case.file, case.line) in found, where


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_quiet_on_its_lookalike(case: Case, analyse: Analyse) -> None:
    result = analyse(case.lookalike)
    assert result.ref.ecosystem == case.ecosystem
    hits = [(a.file, a.line, a.evidence) for a in result.alerts if a.type == case.type]
    assert not hits


# --- analyzer bugs and gaps: strict xfails, so a fix fails here until the lists are updated ---

# (type, look-alike fixture, why it should stay quiet)
KNOWN_FALSE_POSITIVES = [
    (
        "urlStrings",
        "catalog/npm-router-client",
        "a URL to a private LAN address (192.168.0.1) fires although a bare private IP does not",
    ),
]
KNOWN_GAPS: dict[str, str] = {}
# (type, ecosystem): the type fires in the other ecosystem, not in this one.
ECOSYSTEM_GAPS = {
    ("missingDependency", "pypi"): "import names are not distribution names (`yaml` is "
    "PyYAML); no mapping is shipped to compare them with Requires-Dist",
    ("unusedDependency", "pypi"): "the same mapping is missing the other way round",
    ("troll", "pypi"): "no Python protestware rule: an endless loop on import (colors 1.4.44 "
    "as Python) is silent; only install-time destructive commands fire (threats.sabotage)",
}
# What each gap should raise once it is filled, anywhere in the package.
GAP_WITNESSES = [
    ("troll", "catalog/pypi-import-loop"),
]


@pytest.mark.parametrize(
    ("type_", "fixture"),
    [
        pytest.param(t, f, marks=pytest.mark.xfail(strict=True, reason=why), id=t)
        for t, f, why in KNOWN_FALSE_POSITIVES
    ],
)
def test_known_false_positive_is_quiet(type_: str, fixture: str, analyse: Analyse) -> None:
    assert type_ not in {a.type for a in analyse(fixture).alerts}


@pytest.mark.parametrize(
    ("type_", "fixture"),
    [
        pytest.param(t, f, marks=pytest.mark.xfail(strict=True, reason="known gap"), id=t)
        for t, f in GAP_WITNESSES
    ],
)
def test_gap_witness_fires(type_: str, fixture: str, analyse: Analyse) -> None:
    assert type_ in {a.type for a in analyse(fixture).alerts}


def _source_literals() -> set[str]:
    """Every string constant of the package outside the catalog: a type none of them names has
    no code that raises it."""
    src = ROOT / "src" / "depshield"
    found: set[str] = set()
    for path in src.rglob("*.py"):
        if path.relative_to(src).as_posix() != "alerts/catalog.py":
            found |= _strings(ast.parse(path.read_text(encoding="utf-8")))
    return found


def test_known_gaps_are_exactly_the_types_no_code_raises() -> None:
    literals = _source_literals()
    assert {t for t in CATALOG if t not in literals} == set(KNOWN_GAPS)


def test_ecosystem_gaps_fire_elsewhere_and_have_no_case() -> None:
    tested = {(c.type, c.ecosystem) for c in CASES}
    for type_, ecosystem in ECOSYSTEM_GAPS:
        assert (type_, ecosystem) not in tested
        assert any(t == type_ for t, _ in tested)


# --- types that need outside data: firing and quiet tests of their own here --------------------

# (type, ecosystem, name, an affected version, the first version not affected), from the
# records in tests/fixtures/osv.
VULN_CASES = [
    ("criticalCVE", "npm", "vm2", "3.9.19", "3.9.20"),
    ("cve", "npm", "jsonwebtoken", "8.5.1", "9.0.0"),
    ("mediumCVE", "npm", "express", "4.19.2", "4.20.0"),
    ("mediumCVE", "pypi", "requests", "2.19.0", "2.20.0"),
    ("mildCVE", "npm", "cookie", "0.6.0", "0.7.0"),
    ("malware", "pypi", "colprama", "1.0.0", "1.0.1"),
]
# (ecosystem, a squat of a popular name, an honest name that resembles the same target)
SQUATS = [
    ("npm", "loadsh", "lodash-es"),
    ("npm", "crossenv", "cross-env"),
    ("pypi", "reqeusts", "requests-oauthlib"),
]


def _package(root: Path, ecosystem: str, name: str, version: str) -> Path:
    """The smallest package a registry could serve under that name and version."""
    root.mkdir(parents=True)
    if ecosystem == "npm":
        manifest = {"name": name, "version": version, "main": "index.js", "license": "MIT"}
        (root / "package.json").write_text(json.dumps(manifest), encoding="utf-8")
        (root / "index.js").write_text("module.exports = 1;\n", encoding="utf-8")
    else:
        metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nLicense: MIT\n"
        (root / "PKG-INFO").write_text(metadata, encoding="utf-8")
        (root / "module.py").write_text("VALUE = 1\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def osv_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A depshield home whose vulnerability database holds the fixture OSV records."""
    from depshield.vulns import DB_FILE_NAME, match
    from depshield.vulns.db import VulnStore
    from depshield.vulns.osv import import_paths

    home = tmp_path_factory.mktemp("osv-home")
    store = VulnStore.open(home / DB_FILE_NAME, create=True)
    try:
        import_paths([FIXTURES / "osv" / d for d in ("npm", "pypi", "malicious")], store)
    finally:
        store.close()
    yield home
    match.reset_cache()


@pytest.mark.parametrize(("type_", "ecosystem", "name", "affected", "fixed"), VULN_CASES)
def test_vulnerability_alerts(
    type_: str,
    ecosystem: str,
    name: str,
    affected: str,
    fixed: str,
    osv_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEPSHIELD_HOME", str(osv_home))
    hit = analyze_artifact(_package(tmp_path / "hit", ecosystem, name, affected))
    [alert] = [a for a in hit.alerts if a.type == type_]
    assert (alert.file, alert.line) == (None, None)  # about the version, not a place in it
    miss = analyze_artifact(_package(tmp_path / "miss", ecosystem, name, fixed))
    assert type_ not in {a.type for a in miss.alerts}


@pytest.mark.parametrize(("ecosystem", "squat", "honest"), SQUATS)
def test_typosquat_names(
    ecosystem: str, squat: str, honest: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPSHIELD_HOME", str(tmp_path / "home"))
    found = analyze_artifact(_package(tmp_path / "squat", ecosystem, squat, "1.0.0"))
    assert ("didYouMean", None, None) in {(a.type, a.file, a.line) for a in found.alerts}
    quiet = analyze_artifact(_package(tmp_path / "honest", ecosystem, honest, "1.0.0"))
    assert "didYouMean" not in {a.type for a in quiet.alerts}


def test_license_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPSHIELD_HOME", str(tmp_path / "home"))
    policy = Policy(allowed_licenses=("MIT", "Apache-2.0"))
    gpl = analyze_artifact(FIXTURES / "catalog" / "npm-license-gpl", policy=policy)
    [alert] = [a for a in gpl.alerts if a.type == "licenseSpdxDisj"]
    assert (alert.file, alert.props["spdx"]) == ("package.json", "GPL-3.0-or-later")
    # "(MIT OR GPL-3.0-or-later)" lets the user take MIT, which the policy allows.
    dual = analyze_artifact(FIXTURES / "catalog" / "npm-license-dual", policy=policy)
    assert "licenseSpdxDisj" not in {a.type for a in dual.alerts}
    unpoliced = analyze_artifact(FIXTURES / "catalog" / "npm-license-gpl")
    assert "licenseSpdxDisj" not in {a.type for a in unpoliced.alerts}


# --- the external table stays true, and everything is covered -----------------------------------


def _strings(node: ast.AST) -> set[str]:
    return {
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def _test_literals(test_id: str) -> set[str] | None:
    """String literals of a test function (decorators included) and of the module-level
    helpers and tables it names; None when there is no such test."""
    relative, name = test_id.split("::")
    tree = ast.parse((ROOT / relative).read_text(encoding="utf-8"))
    scope: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            scope[node.name] = node
        elif isinstance(node, ast.Assign):
            scope.update((t.id, node) for t in node.targets if isinstance(t, ast.Name))
    test = scope.get(name)
    if not isinstance(test, ast.FunctionDef):
        return None
    found = _strings(test)
    for used in {n.id for n in ast.walk(test) if isinstance(n, ast.Name)} - {name}:
        if used in scope:
            found |= _strings(scope[used])
    return found


@pytest.mark.parametrize("type_", sorted(EXTERNAL))
def test_external_tests_exist_and_name_their_type(type_: str) -> None:
    fires, quiet = EXTERNAL[type_]["fires"], EXTERNAL[type_]["quiet"]
    assert fires and quiet, f"{type_} needs a firing test and a look-alike test"
    for test_id in {*fires, *quiet}:
        literals = _test_literals(test_id)
        assert literals is not None, f"{test_id} is gone"
        assert type_ in literals, f"{test_id} no longer mentions {type_!r}"


def test_every_catalog_type_is_covered_or_a_known_gap() -> None:
    artifact, external = {c.type for c in CASES}, set(EXTERNAL)
    assert not artifact & external, "each type is covered in one place"
    assert not (artifact | external) & set(KNOWN_GAPS)
    assert artifact | external | set(KNOWN_GAPS) == set(CATALOG)
    for case in CASES:
        assert (FIXTURES / case.fires).exists() and (FIXTURES / case.lookalike).exists(), case
        assert case.fires != case.lookalike


def render_tables() -> str:
    """The tables of docs/testing.md: tests per outside-data type, then the gaps."""
    lines = ["| type | fires | stays quiet |", "|---|---|---|"]
    for type_ in sorted(EXTERNAL, key=str.lower):
        cells = [
            "<br>".join(f"`{t.removeprefix('tests/')}`" for t in EXTERNAL[type_][key])
            for key in ("fires", "quiet")
        ]
        lines.append(f"| `{type_}` | {cells[0]} | {cells[1]} |")
    lines += ["", "| gap | why |", "|---|---|"]
    lines += [f"| `{t}` | {why} |" for t, why in KNOWN_GAPS.items()]
    lines += [f"| `{t}` ({eco}) | {why} |" for (t, eco), why in ECOSYSTEM_GAPS.items()]
    return "\n".join(lines) + "\n"


def test_docs_list_the_tables() -> None:
    page = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    assert render_tables() in page, "run: python tests/test_catalog_coverage.py"


if __name__ == "__main__":
    print(render_tables(), end="")
