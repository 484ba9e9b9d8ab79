"""Project-scan benchmark: cold scan (empty cache, fetching from the configured registries),
warm rescan, peak memory, on real lockfiles made by the real package managers.

    python bench/scan.py [--skip-python] [--skip-npm]

Writes its figures between the scan markers of docs/benchmarks.md; a skipped case keeps its row
from the last run. Needs the registries this machine is configured for (the cold scan downloads
every package once). The machine may be shared: each row gives the load and the CPU time the
cold scan used (its processes' user + system time), which other jobs do not inflate much.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from docs_section import machine_line, write_section  # noqa: E402

DEPSHIELD = ROOT / ".venv" / "bin" / "depshield"
REAL = ROOT / "tests" / "fixtures" / "lockfiles"
CASES = {
    "npm": (
        {
            "package-lock.json": "npm/real/big.package-lock.v3.json",
            "package.json": "npm/real/big.package.json",
        }
    ),
    "python": ({"uv.lock": "python/real/app.uv.lock"}),
}


def run(project: Path, home: Path) -> tuple[float, float, dict, float]:
    env = {**os.environ, "DEPSHIELD_HOME": str(home), "CI": "1"}
    cmd = [str(DEPSHIELD), "scan", str(project), "--format", "json", "--fail-on", "never"]
    cpu_before = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    rss = _children_rss()
    cpu = _children_cpu() - cpu_before
    try:
        report = json.loads(out)
    except ValueError:
        report = {"packages": [], "errors": [err.decode(errors="replace")[-400:]]}
    report["_exit"] = proc.returncode
    return seconds, rss, report, cpu


def _children_rss() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


NOTE = (
    "A Python lock's packages are installed from wheels when the lock lists them, so the scan a"
    "nalyses the file the installer would take (docs/lockfiles-python.md). Its 139 packages (pa"
    "ndas, numpy, scipy, jupyterlab...) hold about as much source code as the npm lock's 1,282,"
    " so it is compared by code, not by package count: cold CPU per MB of code is of the same o"
    "rder for both."
)
CODE_SUFFIXES = (".js", ".cjs", ".mjs", ".jsx", ".ts", ".tsx", ".py", ".pyw", ".pth", ".sh")


def code_megabytes(home: Path) -> float:
    """Source code in the artifacts the cold scan stored (what the analyzers read), in MB: the
    yardstick that makes lockfiles of very different packages comparable."""
    from depshield.artifacts.archive import open_artifact
    from depshield.artifacts.base import Member

    total = 0
    for path in (home / "artifacts").rglob("*"):
        if not path.is_file():
            continue
        try:
            for item in open_artifact(path):
                lower = item.path.lower()
                if isinstance(item, Member) and lower.endswith(CODE_SUFFIXES):
                    total += len(item.data) if not lower.endswith(".d.ts") else 0
        except Exception:  # noqa: BLE001 - a store file that is no archive counts nothing
            continue
    return total / 1e6


def _load() -> float:
    return os.getloadavg()[0]


def case(name: str, files: dict[str, str], work: Path) -> str:
    project = work / name
    project.mkdir()
    for target, source in files.items():
        shutil.copy(REAL / source, project / target)
    home = work / f"{name}-home"
    load = _load()
    cold, rss_cold, report, cpu = run(project, home)
    warm, rss_warm, warm_report, _ = run(project, home)
    code = code_megabytes(home)
    packages = report["packages"]
    skipped = [p for p in packages if p.get("skipped")]
    verdicts = {
        v: sum(1 for p in packages if p["verdict"] == v and not p.get("skipped"))
        for v in ("block", "warn", "pass")
    }
    when = time.strftime("%H:%M", time.gmtime())
    return (
        f"| {name} ({', '.join(files)}) | {len(packages)} | {code:.0f} MB | {cold:.1f} s | "
        f"{cpu:.0f} s | {cpu / max(code, 0.001):.2f} s | "
        f"{warm:.2f} s | {rss_cold:.0f} MB | "
        f"{verdicts['block']}/{verdicts['warn']}/{verdicts['pass']} | "
        f"{len(skipped)} | {report['_exit']}/{warm_report['_exit']} | "
        f"{when} UTC, {load:.1f} / {_load():.1f} |"
    )


def previous_rows(doc: Path) -> dict[str, str]:
    """The rows of the last run, by case name, for the cases this run skips."""
    import re

    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    section = re.search(r"<!-- scan:start -->(.*?)<!-- scan:end -->", text, re.S)
    kept = {}
    for line in re.findall(r"^\| \w+ \(.*$", section.group(1) if section else "", re.M):
        cells = line.strip().strip("|").split("|")
        if len(cells) == 8:  # a row from before the CPU and load columns
            cells[3:3] = [" n/a "]
            cells.append(" an earlier run ")
        if len(cells) == 10:  # a row from before the code columns
            cells[2:2] = [" n/a "]
            cells[5:5] = [" n/a "]
        kept[line.split()[1]] = "|" + "|".join(cells) + "|"
    return kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-python", action="store_true")
    parser.add_argument("--skip-npm", action="store_true")
    parser.add_argument("--case", choices=list(CASES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        with tempfile.TemporaryDirectory(prefix="ds-scan-bench-") as tmp:
            print(case(args.case, CASES[args.case], Path(tmp)))
        return 0
    rows = []
    doc = ROOT / "docs" / "benchmarks.md"
    kept = previous_rows(doc)
    for name in CASES:
        if (name == "python" and args.skip_python) or (name == "npm" and args.skip_npm):
            if name in kept:
                rows.append(kept[name])
            continue
        # One process per case: peak RSS of waited-for children is per process, so a case run
        # after another would report the larger of the two.
        proc = subprocess.run(
            [sys.executable, __file__, "--case", name], capture_output=True, text=True, check=True
        )
        rows.append(proc.stdout.strip().splitlines()[-1])
    text = "\n".join(
        [
            "## Project scan: cold, warm, memory",
            "",
            machine_line(),
            "Command: `python bench/scan.py` (`--skip-npm` / `--skip-python` run one row and keep "
            "the other) — each row is `depshield scan PROJECT --format json` run twice as a whole "
            "process: cold (empty DEPSHIELD_HOME, every artifact fetched from the registry this "
            "machine is configured for, then analysed) and warm (same cache: no network, no "
            "analysis). Cold CPU is the user + system time of the cold scan's processes: on a "
            "shared machine the wall time grows with the load, the CPU time much less. Peak RSS "
            "is the largest of the scan processes (the analysis pool's workers are separate "
            "processes). Code is the JavaScript, TypeScript, Python and shell source in the "
            "artifacts analysed (what the analyzers read); CPU per MB of code is the yardstick "
            "that compares lockfiles whose packages differ in size by orders of magnitude.",
            "",
            "| lockfile | packages | code | cold | cold CPU | CPU per MB of code | warm "
            "| peak RSS | block/warn/pass | not analysed | exit cold/warm | measured, load (1 min) "
            "before / after |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            NOTE,
        ]
    )
    write_section(doc, "scan", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
