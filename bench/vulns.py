"""Benchmark the vulnerability database: import time of the PyPA advisory zip, matching speed.

Writes its figures between `<!-- vulns:start -->` and `<!-- vulns:end -->` in
docs/benchmarks.md (other sections are kept). Not a test: nothing here asserts a timing.

    .venv/bin/python bench/vulns.py [--data DIR] [--random-per-name 5] [--seed 1] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docs_section import machine_line, write_section  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
ZIP_NAME = "pypi-pypa-advisory-database.zip"


def find_data(explicit: str | None) -> Path:
    candidates = [Path(explicit)] if explicit else []
    candidates += [REPO / ".." / "shared" / "data" / "osv", Path("/work/shared/data/osv")]
    for candidate in candidates:
        if (candidate / ZIP_NAME).is_file():
            return candidate.resolve()
    sys.exit(f"bench/vulns.py: {ZIP_NAME} not found (give --data DIR)")


def mentioned_pairs(zip_path: Path) -> list[tuple[str, str]]:
    """Every (name, version) a record mentions: its `versions` lists and range event versions."""
    pairs: set[tuple[str, str]] = set()
    with zipfile.ZipFile(zip_path) as archive:
        for member in archive.namelist():
            record = json.loads(archive.read(member))
            for affected in record.get("affected", []):
                name = affected["package"]["name"]
                pairs.update((name, v) for v in affected.get("versions", []))
                for rng in affected.get("ranges", []):
                    if rng.get("type") == "ECOSYSTEM":
                        for event in rng.get("events", []):
                            pairs.update((name, v) for v in event.values() if v not in ("0", "*"))
    return sorted(pairs)


def random_pairs(names: Iterable[str], per_name: int, rng: random.Random) -> list[tuple[str, str]]:
    """Plausible versions nobody listed: most fall between or beyond the advisories' bounds."""
    out = []
    for name in sorted(set(names)):
        for _ in range(per_name):
            parts = [rng.randint(0, 12), rng.randint(0, 30), rng.randint(0, 20)]
            out.append((name, ".".join(map(str, parts))))
    return out


def timed(run: Callable[[], Any]) -> tuple[tuple[float, float], Any]:
    """(CPU seconds of this process, wall seconds) and the result: on a shared machine the CPU
    figure is the one that does not depend on what else runs."""
    cpu, wall = time.process_time(), time.perf_counter()
    value = run()
    return (time.process_time() - cpu, time.perf_counter() - wall), value


def measure(data: Path, per_name: int, seed: int) -> dict[str, Any]:
    from depshield.vulns import match
    from depshield.vulns.db import VulnStore
    from depshield.vulns.osv import import_paths

    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as home:
        db = Path(home) / "osv.sqlite"
        store = VulnStore.open(db, create=True)
        seconds, (summary,) = timed(lambda: import_paths([data / ZIP_NAME], store))
        store.close()
        figures["import_seconds"] = seconds
        figures["records"] = summary.records
        figures["reimport_seconds"], _ = timed(lambda: _reimport(db, data / ZIP_NAME))
        pairs = mentioned_pairs(data / ZIP_NAME)
        rng = random.Random(seed)
        queries = pairs + random_pairs((n for n, _ in pairs), per_name, rng)
        rng.shuffle(queries)
        figures["pairs_mentioned"], figures["pairs_random"] = len(pairs), len(queries) - len(pairs)
        figures["names"] = len({n for n, _ in queries})

        def run() -> int:
            return sum(len(match.vulnerabilities_for("pypi", n, v, db=db)) for n, v in queries)

        match.reset_cache()
        figures["cold_seconds"], found = timed(run)
        figures["warm_seconds"], _ = timed(run)
        figures["findings_seconds"], _ = timed(
            lambda: [match.findings_for(_ref(n, v), db=db) for n, v in queries]
        )
        figures["vulns_per_lookup"] = found / len(queries)
        figures["affected_lookups"] = sum(
            1 for n, v in queries if match.vulnerabilities_for("pypi", n, v, db=db)
        )
        match.reset_cache()
    figures["queries"] = len(queries)
    return figures


def _reimport(db: Path, zip_path: Path) -> None:
    from depshield.vulns.db import VulnStore
    from depshield.vulns.osv import import_paths

    store = VulnStore.open(db)
    try:
        import_paths([zip_path], store)
    finally:
        store.close()


def _ref(name: str, version: str) -> Any:
    from depshield.model import PackageRef

    return PackageRef("pypi", name, version)


def render(figures: dict[str, Any], command: str) -> str:
    q = figures["queries"]
    rate = lambda t: f"{q / t[0]:,.0f} versions/s | {q / t[1]:,.0f} versions/s"  # noqa: E731
    secs = lambda t: f"{t[0]:.2f} s | {t[1]:.2f} s"  # noqa: E731
    lines = [
        "## Vulnerability database (`bench/vulns.py`)",
        "",
        f"- {machine_line()}",
        f"- Command: `{command}`",
        "- Data: PyPA advisory database zip (2,661 PYSEC records, OSV JSON)",
        f"- Lookups: every (name, version) the records mention plus random versions: {q:,} "
        f"({figures['pairs_mentioned']:,} + {figures['pairs_random']:,}) over "
        f"{figures['names']:,} names; {figures['affected_lookups']:,} find something "
        f"(mean {figures['vulns_per_lookup']:.1f} vulnerabilities per lookup)",
        "",
        "| what | CPU time | wall time |",
        "|---|---|---|",
        f"| `db import` of the zip into a new database ({figures['records']:,} records) "
        f"| {secs(figures['import_seconds'])} |",
        f"| re-import of the same zip (all unchanged) | {secs(figures['reimport_seconds'])} |",
        f"| `vulnerabilities_for`, cold (records parsed on first use) "
        f"| {rate(figures['cold_seconds'])} |",
        f"| `vulnerabilities_for`, warm | {rate(figures['warm_seconds'])} |",
        f"| `findings_for` (Finding objects), warm | {rate(figures['findings_seconds'])} |",
        "",
        "CPU time is the benchmark process's own (the machine is shared with other work). Cold",
        "includes reading and compiling each name's records from SQLite the first time it is",
        "looked up; warm is a second pass over the same lookups in the same process.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder holding pypi-pypa-advisory-database.zip")
    parser.add_argument("--random-per-name", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(REPO / "docs" / "benchmarks.md"))
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    figures = measure(find_data(args.data), args.random_per_name, args.seed)
    command = ".venv/bin/python bench/vulns.py" + (
        f" --random-per-name {args.random_per_name}" if args.random_per_name != 5 else ""
    )
    section = render(figures, command)
    sys.stdout.write(section)
    if not args.no_write:
        write_section(Path(args.out), "vulns", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
