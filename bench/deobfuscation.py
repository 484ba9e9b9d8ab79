"""Deobfuscation's cost per file: the time the static decoders take on malware and benign code.

The JavaScript analyzer puts back string arrays (obfuscator.io-style lookups, one layer a pass),
strings spelled from character tables or escapes, and packed programs (`eval(function(p,a,c,k,e,d)`)
before its rules run; the Python analyzer analyses a decoded `exec` payload as code of its own.
This script times those steps inside the analyzers (wrapping the functions that perform them),
file by file, over the development malware and a sample of the benign archives, and reports per
set how many files were decoded, the time each took (median, p95, max), its share of the whole
analysis, and every file whose budget stopped the analysis (`skipped`).

Files are read as data (the corpus zip in memory, benign archives with tarfile/zipfile); nothing
is installed, imported or run.

    python bench/deobfuscation.py [--benign-packages 100] [--no-docs]
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import statistics
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import iter_malware, read_files  # noqa: E402
from docs_section import machine_line, write_section  # noqa: E402

import depshield.analyzers.javascript as js  # noqa: E402
import depshield.analyzers.python.analysis as py_analysis  # noqa: E402
from depshield.analyzers.javascript import JavaScriptAnalyzer  # noqa: E402
from depshield.analyzers.python.analyzer import PythonAnalyzer  # noqa: E402

DEFAULT_ZIP = Path("/work/shared/corpus/malicious-dev.zip")
DEFAULT_DATA = Path("/work/benchdata")
MAX_FILE = 4 * 1024 * 1024  # larger files are cut by the analyzers' own budget anyway
# step name -> (module, function name): the functions that do the decoding.
STEPS: dict[str, tuple[Any, str]] = {
    "string arrays": (js, "_decoded"),
    "spelled strings": (js, "_spelled"),
    "packed programs": (js, "_unpacked"),
    "python exec layers": (py_analysis, "_nested"),
}


@dataclass
class Clock:
    """Seconds spent in each step for the file being analysed; depth-safe (nested calls of
    one step, such as packed code inside packed code, count once)."""

    spent: dict[str, float] = field(default_factory=dict)
    active: dict[str, int] = field(default_factory=dict)

    def wrap(self, step: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            outer = not self.active.get(step)
            self.active[step] = self.active.get(step, 0) + 1
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.active[step] -= 1
                if outer:
                    self.spent[step] = self.spent.get(step, 0.0) + time.process_time() - start

        return timed


@dataclass
class FileRow:
    set: str
    package: str
    path: str
    total: float
    steps: dict[str, float]
    decoded: bool
    skipped: str | None


def install(clock: Clock) -> None:
    for step, (module, name) in STEPS.items():
        setattr(module, name, clock.wrap(step, getattr(module, name)))


_CLOCK = Clock()


def _init_worker() -> None:
    install(_CLOCK)


def _measure_job(job: tuple[str, str, str, bytes]) -> FileRow | None:
    return measure(*job, _CLOCK)


def measure(set_: str, package: str, path: str, data: bytes, clock: Clock) -> FileRow | None:
    js_an, py_an = JavaScriptAnalyzer(), PythonAnalyzer()
    analyzer = js_an if js_an.wants(path) else py_an if py_an.wants(path) else None
    if analyzer is None or len(data) > MAX_FILE:
        return None
    clock.spent = {}
    start = time.process_time()
    result = analyzer.analyze(path, data)
    total = time.process_time() - start
    decoded = any("deobfuscated" in f.props or "via" in f.props for f in result.findings)
    return FileRow(set_, package, path, total, dict(clock.spent), decoded, result.skipped)


def malware_files(zip_path: Path, per_ecosystem: int) -> Iterator[tuple[str, str, str, bytes]]:
    taken: dict[str, int] = {}
    for sample in iter_malware(zip_path):
        if per_ecosystem and taken.get(sample.ecosystem, 0) >= per_ecosystem:
            continue
        taken[sample.ecosystem] = taken.get(sample.ecosystem, 0) + 1
        for path, data in read_files(sample):
            yield f"malware-{sample.ecosystem}", f"{sample.name}@{sample.version}", path, data


def benign_files(data_dir: Path, per_ecosystem: int) -> Iterator[tuple[str, str, str, bytes]]:
    taken: dict[str, int] = {}
    manifest = data_dir / "benign" / "manifest.jsonl"
    for line in manifest.read_text().splitlines():
        row = json.loads(line)
        eco, file = row["ecosystem"], row.get("file")
        if not file or row.get("error") or taken.get(eco, 0) >= per_ecosystem:
            continue
        taken[eco] = taken.get(eco, 0) + 1
        archive = manifest.parent / file
        for path, blob in _archive_members(archive):
            yield f"benign-{eco}", f"{row['name']}@{row['version']}", path, blob


def _archive_members(archive: Path) -> Iterator[tuple[str, bytes]]:
    """Regular members of a .tgz / .tar.gz / .zip / .whl, read into memory (bounded)."""
    if archive.suffix in (".zip", ".whl"):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if not info.is_dir() and info.file_size <= MAX_FILE:
                    yield info.filename, zf.read(info)
        return
    with tarfile.open(archive, "r:*") as tf:
        for member in tf:
            if member.isfile() and member.size <= MAX_FILE:
                handle = tf.extractfile(member)
                if handle is not None:
                    yield member.name, io.BytesIO(handle.read()).getvalue()


def summarize(rows: list[FileRow], args: argparse.Namespace, wall: float) -> str:
    lines = [
        "## Deobfuscation: time per file (`bench/deobfuscation.py`)",
        "",
        machine_line(),
        f"Command: `python bench/deobfuscation.py --benign-packages {args.benign_packages}"
        f" --malware-samples {args.malware_samples}` ({wall / 60:.1f} min). Every JavaScript and "
        "Python file of the development malware (at most that many samples per ecosystem, 0 = "
        "all) and "
        f"of the first {args.benign_packages} benign top-300 packages per ecosystem, analysed in "
        "worker processes; the decoders' own time is measured inside the analyzers (string arrays, "
        "spelled strings, packed programs including the analysis of what they unpack, decoded "
        "Python `exec` payloads). A file is *decoded* when a finding carries decoded evidence. "
        "Times are CPU seconds of the worker (`time.process_time`), so the machine's load does "
        "not inflate them; the decoders' budgets are counts (elements, rewrites, rotation work, "
        "depth), never clock time, so a file gives the same result on any machine.",
        "",
        "| set | files | decoded | decoder time per decoded file: median / p95 / max |"
        " decoder share of analysis time | files stopped by a budget |",
        "|---|---|---|---|---|---|",
    ]
    for set_ in sorted({r.set for r in rows}):
        group = [r for r in rows if r.set == set_]
        decoded = [r for r in group if r.decoded]
        spent = [sum(r.steps.values()) for r in decoded]
        total = sum(r.total for r in group) or 1.0
        share = sum(sum(r.steps.values()) for r in group) / total
        timing = (
            f"{statistics.median(spent) * 1000:.1f} / {_p95(spent) * 1000:.1f} / "
            f"{max(spent) * 1000:.1f} ms"
            if spent
            else "n/a"
        )
        stopped = sum(1 for r in group if r.skipped)
        lines.append(
            f"| {set_} | {len(group)} | {len(decoded)} | {timing} | {share:.1%} | {stopped} |"
        )
    lines += ["", "Per step, over all files (seconds in total; files that reached the step):", ""]
    lines += ["| step | files | total seconds | max per file |", "|---|---|---|---|"]
    for step in STEPS:
        times = [r.steps[step] for r in rows if step in r.steps]
        if times:
            lines.append(f"| {step} | {len(times)} | {sum(times):.2f} | {max(times):.3f} s |")
    slow = sorted(rows, key=lambda r: -sum(r.steps.values()))[:5]
    lines += ["", "Slowest files in the decoders:", ""]
    for r in slow:
        lines.append(
            f"- [{r.set}] {r.package} `{r.path}`: {sum(r.steps.values()):.3f} s of "
            f"{r.total:.3f} s" + (f"; skipped: {r.skipped}" if r.skipped else "")
        )
    return "\n".join(lines) + "\n"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zip", type=Path, default=DEFAULT_ZIP)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--benign-packages", type=int, default=100)
    parser.add_argument(
        "--malware-samples", type=int, default=0, help="at most N per ecosystem (0: all)"
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args(argv)
    started = time.time()
    rows: list[FileRow] = []
    jobs = itertools.chain(
        malware_files(args.zip, args.malware_samples),
        benign_files(args.data, args.benign_packages),
    )
    with ProcessPoolExecutor(args.jobs, initializer=_init_worker) as pool:
        for row in pool.map(_measure_job, jobs, chunksize=16):
            if row is not None:
                rows.append(row)
                if len(rows) % 1000 == 0:
                    print(f"{len(rows)} files", file=sys.stderr, flush=True)
    text = summarize(rows, args, time.time() - started)
    if not args.no_docs:
        write_section(ROOT / "docs" / "benchmarks.md", "deobfuscation", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
