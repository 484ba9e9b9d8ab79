"""Text-report noise (issue 12): lines per package on the benign top packages, this tree against
another checkout's src/ (capability alerts collapsed per type, none from test files, no hard
wrapping).

Usage: python bench/noise.py [--before SRC] [--per-ecosystem N]
Reads the benign corpus under /work/benchdata/benign (bench/fetch_benign.py) as data; nothing
here runs package code. Writes the `noise` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docs_section import machine_line, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path("/work/benchdata/benign")

# One process per tree: analyse each package offline, render the text report, count lines.
CHILD = r"""
import json, os, sys
sys.path.insert(0, sys.argv[1])
from depshield.api import analyze_spec
from depshield.reports.base import Report
from depshield.reports.text import render
for line in sys.stdin:
    eco, path = line.rstrip("\n").split("\t")
    results = analyze_spec(path, ecosystem=eco, offline=True)
    text = render(Report(results, show_all=False))
    lines = text.splitlines()
    alert_lines = [x for x in lines if x.startswith("    ") and not x.startswith("     ")]
    print(json.dumps({"eco": eco, "lines": len(lines), "alerts": len(alert_lines),
                      "verdict": results[0].verdict}), flush=True)
"""


def packages(per_ecosystem: int) -> list[tuple[str, Path]]:
    chosen = []
    for eco in ("npm", "pypi"):
        files = sorted(p for p in (CORPUS / eco).iterdir() if p.is_file())
        chosen += [(eco, p) for p in files[:per_ecosystem]]
    return chosen


def measure(src: Path, items: list[tuple[str, Path]]) -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as home:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(src)],
            input="".join(f"{eco}\t{path}\n" for eco, path in items),
            capture_output=True,
            text=True,
            env={"DEPSHIELD_HOME": home, "PATH": "/usr/bin:/bin", "DEPSHIELD_NO_DAEMON": "1"},
            check=True,
        )
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def row(label: str, rows: list[dict[str, object]]) -> str:
    lines = [int(r["lines"]) for r in rows]  # type: ignore[call-overload]
    alerts = [int(r["alerts"]) for r in rows]  # type: ignore[call-overload]
    return (
        f"| {label} | {len(rows)} | {sum(lines)} | {statistics.median(lines):.0f} | {max(lines)} "
        f"| {sum(alerts)} | {max(alerts)} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", type=Path, help="another checkout's src/ (e.g. main's)")
    parser.add_argument("--per-ecosystem", type=int, default=50)
    options = parser.parse_args()
    items = packages(options.per_ecosystem)
    table = [
        "| tree | packages | text lines | median per package | max | alert lines | max alert "
        "lines in one package |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    if options.before:
        table.append(row(f"before ({options.before})", measure(options.before, items)))
    table.append(row("this tree", measure(ROOT / "src", items)))
    text = "\n".join(
        [
            "## Text-report noise (issue 12)",
            "",
            machine_line(),
            "",
            f"Command: `python bench/noise.py --before /work/main/src --per-ecosystem "
            f"{options.per_ecosystem}`: the first {options.per_ecosystem} npm and "
            f"{options.per_ecosystem} PyPI packages (by file name) of the benign top-300 corpus, "
            "`depshield package PATH --offline` text report rendered off a terminal, default "
            "policy (ignored alerts hidden). Alert lines: one per alert shown (capability "
            "alerts are one line per type per package here, and none from test files).",
            "",
            *table,
        ]
    )
    write_section(ROOT / "docs" / "benchmarks.md", "noise", text)
    print(text)


if __name__ == "__main__":
    main()
