"""Filling a results store from real pull-request scans (depshield's own `pr` pipeline on inert
fixture packages served by the loopback registry), and the hostile texts the pages must defuse."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pr.npm_project import package_lock

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


@dataclass
class Filled:
    store: ResultsStore
    stealer: str  # the blocked package's name
    hostile_name: str


def scan_pull(old: list, new: list, tmp: Path) -> tuple[PrReport, str]:  # type: ignore[type-arg]
    """`depshield pr` on two lockfiles: the real resolve, fetch, analyse and judge."""
    from depshield.pr.analyse import AnalyseOptions
    from depshield.pr.project import compare_paths
    from depshield.reports.pr_markdown import render

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
