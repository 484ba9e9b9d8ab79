"""A results store filled by real pull-request scans (depshield's own `pr` pipeline on inert
fixture packages served by the loopback registry), on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pr.npm_project import FixtureRegistry, benign_files, package_lock, stealer_files
from support.postgres import Postgres, available
from support.registry_server import RegistryServer, isolate_env

from depshield.dashboard.store import ResultsStore
from depshield.model import Alert, PackageRef, PackageResult, Scores
from depshield.pr.changes import Change
from depshield.pr.report import Assessed, PrReport

# Package-controlled text that must stay text: markup, a script, ANSI colour and a bidi override.
HOSTILE = (
    '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>\x1b[31m\u202eexe.js'
)
HOSTILE_FILE = "lib/<b>x</b>\u202egnp.js"
HOSTILE_CODE = (
    "const s = '<script>window.__pwned=3</script>\u202e\x1b[2J';\n"
    "eval(s + '</pre><img src=x onerror=\"window.__pwned=4\">');\n"
)
_numbers = itertools.count()


@dataclass
class Filled:
    store: ResultsStore
    stealer: str  # the blocked package's name
    hostile_name: str


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    if available() is None:
        pytest.fail("PostgreSQL's server binaries are missing: apt-get install postgresql")
    server = Postgres()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'dashboard.sqlite3'}"
    server: Postgres = request.getfixturevalue("postgres")
    return server.create_database(f"dashboard_{next(_numbers)}")


@pytest.fixture
def npm_registry(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, registry_server: RegistryServer
) -> FixtureRegistry:
    isolate_env(monkeypatch, tmp_path)
    registry = FixtureRegistry(registry_server)
    monkeypatch.setenv("npm_config_registry", registry.url)
    return registry


def scan_pull(old: list, new: list, tmp: Path) -> tuple[PrReport, str]:  # type: ignore[type-arg]
    """`depshield pr` on two lockfiles: the real resolve, fetch, analyse and judge."""
    from depshield.pr.analyse import AnalyseOptions
    from depshield.pr.markdown import render
    from depshield.pr.project import compare_paths

    base, head = tmp / "base" / "package-lock.json", tmp / "head" / "package-lock.json"
    for path, packages in ((base, old), (head, new)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(package_lock(packages))
    report = compare_paths(base, head, AnalyseOptions(jobs=1)).report
    return report, render(report)


def hostile_report() -> PrReport:
    """A package whose very name is hostile (no registry would serve it: built by hand)."""
    alert = Alert("usesEval", "supplyChainRisk", "middle", "warn", "Uses eval", HOSTILE,
                  file=HOSTILE_FILE, line=2, evidence=HOSTILE)  # fmt: skip
    result = PackageResult(PackageRef("npm", HOSTILE, "1.0.0"), "warn", Scores(supplyChain=40),
                           ("eval",), (alert,))  # fmt: skip
    change = Change("added", "npm", HOSTILE, None, "1.0.0", True, False, "package-lock.json",
                    7, f"app > {HOSTILE}")  # fmt: skip
    return PrReport("base", "head", [Assessed(change, result, introduced=(alert,))])


@pytest.fixture
def filled(npm_registry: FixtureRegistry, store_url: str, tmp_path: Path) -> Iterator[Filled]:
    npm = npm_registry
    pad1 = npm.publish("tidy-pad", "1.0.0", benign_files("tidy-pad", "1.0.0"))
    pad2 = npm.publish("tidy-pad", "1.1.0", benign_files("tidy-pad", "1.1.0"))
    gone = npm.publish("old-util", "2.0.0", benign_files("old-util", "2.0.0"))
    stealer = npm.publish("@acme-typo/colors", "1.0.3", stealer_files("@acme-typo/colors", "1.0.3"))
    files = benign_files("evalish", "0.2.0")
    files[HOSTILE_FILE] = HOSTILE_CODE.encode()
    evalish = npm.publish("evalish", "0.2.0", files)
    store = ResultsStore(store_url)
    at = 1_765_000_000.0  # a fixed clock: the chart's days are known
    runs = [
        ("acme/shop", 1, [pad1, gone], [pad2, stealer]),
        ("acme/api", 7, [pad1], [pad1, stealer]),
        ("acme/docs", 3, [pad1], [pad1, evalish]),
        ("acme/site", 4, [gone], [pad1]),
    ]
    for index, (repo, pr, old, new) in enumerate(runs):
        report, body = scan_pull(old, new, tmp_path / f"run{index}")
        store.record_run(repo, pr, "b" * 40, f"{index}" * 40, report, body, at=at + index * 3600)
    store.record_ignore("acme/docs", 3, "evalish@0.2.0", "maintainer-1",
                        "@depshield ignore evalish@0.2.0\nreviewed: the eval is a REPL",
                        at=at + 9000)  # fmt: skip
    hostile = hostile_report()
    store.record_run("acme/<i>hostile</i>", 9, "c" * 40, "d" * 40, hostile, "body", at=at + 9999)
    try:
        yield Filled(store, "@acme-typo/colors", HOSTILE)
    finally:
        store.close()


def as_json(text: str) -> object:
    return json.loads(text)
