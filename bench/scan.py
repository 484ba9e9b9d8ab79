"""Project-scan benchmark: cold scan (empty cache, fetching from the configured registries),
warm rescan, peak memory, on real lockfiles made by the real package managers.

    python bench/scan.py [--skip-python]

Writes its figures between the scan markers of docs/benchmarks.md. Needs the registries this
machine is configured for (the cold scan downloads every package once).
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


def run(project: Path, home: Path) -> tuple[float, float, dict]:
    env = {**os.environ, "DEPSHIELD_HOME": str(home), "CI": "1"}
    cmd = [str(DEPSHIELD), "scan", str(project), "--format", "json", "--fail-on", "never"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    rss = _children_rss()
    try:
        report = json.loads(out)
    except ValueError:
        report = {"packages": [], "errors": [err.decode(errors="replace")[-400:]]}
    report["_exit"] = proc.returncode
    return seconds, rss, report


def _children_rss() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def case(name: str, files: dict[str, str], work: Path) -> str:
    project = work / name
    project.mkdir()
    for target, source in files.items():
        shutil.copy(REAL / source, project / target)
    home = work / f"{name}-home"
    cold, rss_cold, report = run(project, home)
    warm, rss_warm, warm_report = run(project, home)
    packages = report["packages"]
    skipped = [p for p in packages if p.get("skipped")]
    verdicts = {
        v: sum(1 for p in packages if p["verdict"] == v and not p.get("skipped"))
        for v in ("block", "warn", "pass")
    }
    return (
        f"| {name} ({', '.join(files)}) | {len(packages)} | {cold:.1f} s | {warm:.2f} s | "
        f"{rss_cold:.0f} MB | {verdicts['block']}/{verdicts['warn']}/{verdicts['pass']} | "
        f"{len(skipped)} | {report['_exit']}/{warm_report['_exit']} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-python", action="store_true")
    parser.add_argument("--skip-npm", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="ds-scan-bench-") as tmp:
        for name, files in CASES.items():
            if (name == "python" and args.skip_python) or (name == "npm" and args.skip_npm):
                continue
            rows.append(case(name, files, Path(tmp)))
    text = "\n".join(
        [
            "## Project scan: cold, warm, memory",
            "",
            machine_line(),
            "Command: `python bench/scan.py` — each row is `depshield scan PROJECT --format json` "
            "run twice as a whole process: cold (empty DEPSHIELD_HOME, every artifact fetched from "
            "the registry this machine is configured for, then analysed) and warm (same cache: no "
            "network, no analysis). Peak RSS is the largest of the scan processes (the analysis "
            "pool's workers are separate processes).",
            "",
            "| lockfile | packages | cold | warm | peak RSS | block/warn/pass | not analysed |"
            " exit cold/warm |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
    write_section(ROOT / "docs" / "benchmarks.md", "scan", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
