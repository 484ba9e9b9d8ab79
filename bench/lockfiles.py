"""Parse time of the real npm-family lockfiles, written to docs/benchmarks.md between markers.

Usage: .venv/bin/python bench/lockfiles.py [--runs N]
The lockfiles are tests/fixtures/lockfiles/npm/real/ (bench/make_real_lockfiles.sh makes them).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "fixtures" / "lockfiles" / "npm" / "real"
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- lockfiles:start -->", "<!-- lockfiles:end -->"
# The file name a package manager gives each fixture, so that parsers() picks the right parser.
REAL_NAMES = {
    "package-lock.v3.json": "package-lock.json",
    "yarn-classic.yarn.lock": "yarn.lock",
    "yarn-berry.yarn.lock": "yarn.lock",
    "pnpm-v9.yaml": "pnpm-lock.yaml",
    "pnpm-v6.yaml": "pnpm-lock.yaml",
    "pnpm-v5.yaml": "pnpm-lock.yaml",
    "bun.lock": "bun.lock",
}


def measure(path: Path, runs: int) -> tuple[str, int, int, float, float]:
    """(format, packages, edges, median wall seconds, median CPU seconds) of parsing `path`."""
    sys.path.insert(0, str(ROOT / "src"))
    from depshield.lockfiles.parsers import parsers

    kind = path.name.partition(".")[2]
    as_named = path.with_name(REAL_NAMES[kind])
    parser = next(p for p in parsers() if p.wants(as_named))
    text = path.read_text()
    manifest = (path.parent / f"{path.name.split('.')[0]}.package.json").read_text()
    parse_with_manifest = getattr(parser, "parse_with_manifest", None)
    wall, cpu = [], []
    for _ in range(runs + 1):  # the first run warms imports and caches; it is dropped
        start, start_cpu = time.perf_counter(), time.process_time()
        if parse_with_manifest is not None:
            lockfile = parse_with_manifest(as_named, text, manifest)
        else:
            lockfile = parser.parse(as_named, text)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return (
        lockfile.format,
        len(lockfile.packages),
        len(lockfile.edges),
        statistics.median(wall[1:]),
        statistics.median(cpu[1:]),
    )


def table(runs: int) -> str:
    import yaml

    rows = [
        "| lockfile | format | KiB | packages | edges | wall ms | CPU ms "
        "| CPU ms per 1,000 packages |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    lockfiles = [p for p in REAL.iterdir() if p.name.partition(".")[2] in REAL_NAMES]
    for path in sorted(lockfiles):
        fmt, packages, edges, wall, cpu = measure(path, runs)
        rows.append(
            f"| {path.name} | {fmt} | {path.stat().st_size // 1024} | {packages} | {edges} "
            f"| {wall * 1000:.1f} | {cpu * 1000:.1f} | {cpu * 1e6 / packages:.1f} |"
        )
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PyYAML {yaml.__version__} (libyaml: {'yes' if yaml.__with_libyaml__ else 'no'}); "
        f"load average {os.getloadavg()[0]:.1f} at the start (other processes share the cores)"
    )
    return "\n".join(
        [
            START,
            "## Lockfile parsing (npm family)",
            "",
            f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            f"- Machine: {machine}",
            f"- Command: `.venv/bin/python bench/lockfiles.py --runs {runs}` (medians of {runs} "
            "parses after one warm-up, wall clock and process CPU time; the text is already in "
            "memory, so this is parsing alone)",
            "- Lockfiles: tests/fixtures/lockfiles/npm/real/, written by the package managers "
            "themselves (bench/make_real_lockfiles.sh). Budget: 200 ms for 1,000 packages.",
            "",
            *rows,
            END,
        ]
    )


def write(section: str) -> None:
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    section = table(parser.parse_args().runs)
    write(section)
    print(section)


if __name__ == "__main__":
    main()
