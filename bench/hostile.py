"""Hostile project files (issue 17): seconds, CPU seconds and peak RSS per input, one process each.

Usage: python bench/hostile.py [--before SRC] [--only TEXT]  (SRC: another checkout's src/, e.g.
main's, for the "before" column; --only runs the rows whose label holds TEXT). The inputs are
generated into a temporary directory, never committed. Nothing here runs package code: a row
parses a generated project file, or runs `depshield scan --offline --format json` on it.

PROJECT_ROWS are the project-file rows (a file parsed, or a project scanned); PACKAGE_ROWS are the
per-file analysis budgets (one hostile file as a package's entry point, `depshield package`).
ANALYSIS_ROWS (Row-shaped analysis inputs) is empty.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import biglocks  # noqa: E402
from docs_section import machine_line, write_section  # noqa: E402
from hostile_inputs import HWM, SHELL, minified  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 240  # a cell that exceeds this is reported as killed
BEFORE_TIMEOUT = 90  # the old code's cells: enough to show it is slow

PARSE = HWM + (
    "import sys, pathlib\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "try:\n"
    "    from depshield.lockfiles.parsers import parsers\n"
    "except ImportError:  # a tree from before the table was renamed (--before)\n"
    "    from depshield.lockfiles.registry import parsers\n"
    "from depshield.errors import DepshieldError\n"
    "p = pathlib.Path(sys.argv[2])\n"
    "parser = next(x for x in parsers() if x.wants(p))\n"
    "try:\n"
    "    print(len(parser.parse(p, p.read_text()).packages), 'packages')\n"
    "except DepshieldError as exc:\n"
    "    print('refused:', exc.message[:60])\n"
)
SCAN = HWM + (
    "import os, sys\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "from depshield.cli.main import run_here\n"
    "sys.exit(run_here(['scan', '--offline', '--format', 'json', '-o', os.devnull, sys.argv[2]]))\n"
)


@dataclass(frozen=True)
class Row:
    label: str
    name: str  # the file's name in the generated project
    make: Callable[[Path], None]  # writes the project file (and what goes beside it) at a path
    scan: bool = False  # `depshield scan --offline --format json` on the folder, not a parse


def _text(make: Callable[[], str]) -> Callable[[Path], None]:
    return lambda path: path.write_text(make())


def alias_bomb(levels: int = 9, width: int = 10) -> str:
    lines = ["l0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def yarn_key_list(megabytes: int) -> str:
    """yarn classic's quadratic shape: one block whose key line lists ~MB of patterns."""
    count = megabytes * 1_000_000 // 12
    keys = ", ".join(f'"a@^{i}.0.0"' for i in range(count))
    return f'# yarn lockfile v1\n\n{keys}:\n  version "1.0.0"\n'


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _yarn_row(megabytes: int) -> Row:
    label = f"yarn classic yarn.lock, one {megabytes} MB key list"
    return Row(label, "yarn.lock", _text(lambda: yarn_key_list(megabytes)))


def _big(label: str) -> Callable[[Path], None]:
    _, make, manifest = biglocks.FORMATS[label]

    def write(path: Path) -> None:
        path.write_text(make(100_000))
        if manifest is not None:
            (path.parent / "package.json").write_text(manifest(100_000))

    return write


PROJECT_ROWS = [
    Row(
        "requirements.txt, one line of 2,000,000 spaces",
        "requirements.txt",
        _text(lambda: "six==1.16.0" + " " * 2_000_000 + "x\n"),
    ),
    Row("a FIFO package-lock.json (scan)", "package-lock.json", _fifo, scan=True),
    Row("a requirements.txt symlinked to /dev/zero (scan)", "requirements.txt", _dev_zero, True),
    Row(
        "yarn berry yarn.lock, aliases expanding to 10^9 nodes",
        "yarn.lock",
        _text(lambda: "__metadata:\n  version: 8\n  cacheKey: 10\n" + alias_bomb()),
    ),
    Row(
        "pnpm-lock.yaml, aliases expanding to 10^9 nodes",
        "pnpm-lock.yaml",
        _text(lambda: "lockfileVersion: '9.0'\n" + alias_bomb()),
    ),
    *(_yarn_row(mb) for mb in (1, 2, 4)),
    *(
        Row(f"100,000-entry {label}, parse", name, _big(label))
        for label, (name, _, _) in biglocks.FORMATS.items()
    ),
    *(
        Row(f"100,000-entry {label}, scan --offline --format json", name, _big(label), True)
        for label, (name, _, _) in biglocks.FORMATS.items()
    ),
]
ANALYSIS_ROWS: list[Row] = []


# Per-file analysis budgets (issue 17): (label, ecosystem, file name, content), each file alone
# in a package whose entry point it is, through `depshield package DIR --offline --format json`.
PACKAGE_ROWS: list[tuple[str, str, str, Callable[[], str]]] = [
    ("JS, 10 MB one-line bundle", "npm", "index.js", lambda: SHELL + minified(10_000_000)),
    ("JS, 5 MB minified", "npm", "index.js", lambda: minified(5_000_000)),
    (
        "JS, 100,000-entry object literal of requires",
        "npm",
        "index.js",
        lambda: (
            "module.exports={"
            + ",".join(f'k{i}:require("./m{i}")' for i in range(100_000))
            + "};\n"
        ),
    ),
    (
        "JS, 100,000-entry object literal of numbers",
        "npm",
        "index.js",
        lambda: "module.exports={" + ",".join(f'"k{i}":{i}' for i in range(100_000)) + "};\n",
    ),
    ("JS, 400,000 calls `f();` (1.6 MB)", "npm", "index.js", lambda: "f();" * 400_000),
    (
        "JS, 50,000 nested parentheses",
        "npm",
        "index.js",
        lambda: "x=" + "(" * 50_000 + ")" * 50_000,
    ),
    ("JS, 50,000 nested arrays", "npm", "index.js", lambda: "x=" + "[" * 50_000 + "]" * 50_000),
    ("JS, 1,000,000-character string", "npm", "index.js", lambda: 'x="' + "aB3+/" * 200_000 + '"'),
    (
        "Python, 50,000-line dict literal",
        "pypi",
        "mod.py",
        lambda: "D = {\n" + "".join(f"    'k{i}': ({i}, 'v{i}'),\n" for i in range(50_000)) + "}\n",
    ),
    (
        "Python, 50,000 nested parentheses",
        "pypi",
        "mod.py",
        lambda: "x=" + "(" * 50_000 + ")" * 50_000,
    ),
    ("Python, 200,000-term sum", "pypi", "mod.py", lambda: "x=" + "+".join(["1"] * 200_000)),
    (
        "JSON, 20 MB data file",
        "npm",
        "data.json",
        lambda: json.dumps({f"k{i}": [i, "v" * 20, {"a": i}] for i in range(400_000)}),
    ),
]


def package_dir(root: Path, ecosystem: str, name: str, content: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if ecosystem == "npm":
        main = name if name.endswith(".js") else "index.js"
        manifest = {"name": "hostile-row", "version": "1.0.0", "main": main}
        (root / "package.json").write_text(json.dumps(manifest))
        (root / "index.js").write_text("module.exports = 1;\n")
    else:
        (root / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: hostile-row\nVersion: 1.0\n")
    (root / name).write_text(content)
    return root


def measure_package(src: Path, pkg: Path, home: Path) -> str:
    """One `depshield package` process: wall and CPU seconds, its own peak RSS, the outcome."""
    env = {**os.environ, "PYTHONPATH": str(src), "DEPSHIELD_NO_DAEMON": "1"}
    env["DEPSHIELD_HOME"] = str(home)
    cmd = [sys.executable, "-m", "depshield", "package", str(pkg), "--offline", "--format", "json"]
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, env=env)
        timer = threading.Timer(TIMEOUT, child.kill)
        timer.start()
        _, status, usage = os.wait4(child.pid, 0)
        timer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        if child.returncode < 0:
            return f"killed at {TIMEOUT} s"
        out.seek(0)
        outcome = _outcome(out.read())
    cpu = usage.ru_utime + usage.ru_stime
    return f"{seconds:.1f} s ({cpu:.1f} s CPU), {usage.ru_maxrss / 1024:.0f} MB, {outcome}"


def _outcome(stdout: bytes) -> str:
    try:
        result = json.loads(stdout)["packages"][0]
    except (ValueError, KeyError, IndexError):
        return "no report"
    if "skippedFiles" not in result:  # before the budgets: skips were notes only
        return f"{result['verdict']}, no skippedFiles in the report"
    skipped = result["skippedFiles"]
    if not skipped:
        return f"{result['verdict']}, analysed in full"
    reason = skipped[0]["reason"].split(";")[0]
    return f"{result['verdict']}, skipped {skipped[0]['file']}: {reason}"


def analysis_lines(before: Path | None, tmp: Path, only: str = "") -> list[str]:
    head = "| file | before | after |" if before else "| file | after |"
    lines = [head, "|---|---|---|" if before else "|---|---|"]
    for n, (label, ecosystem, name, make) in enumerate(PACKAGE_ROWS):
        if only not in label:
            continue
        pkg = package_dir(tmp / f"pkg{n}", ecosystem, name, make())
        cells = [measure_package(ROOT / "src", pkg, tmp / "home-after")]
        if before:
            cells.insert(0, measure_package(before, pkg, tmp / "home-before"))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    return lines


def measure(src: Path, path: Path, scan: bool, home: Path, timeout: int = TIMEOUT) -> str:
    """One fresh process: wall and CPU seconds (wait4), its own peak RSS, what it printed."""
    code, target = (SCAN, path.parent) if scan else (PARSE, path)
    hwm = home.parent / "hwm"
    hwm.unlink(missing_ok=True)
    env = {**os.environ, "DEPSHIELD_HOME": str(home), "PYTHONPATH": str(src), "HWM_FILE": str(hwm)}
    with tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", code, str(src), str(target)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            text=True,
        )
        killer = threading.Timer(timeout, child.kill)
        killer.start()
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage, not the maximum
        killer.cancel()
        child.returncode = code_ = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        out.seek(0)
        lines = out.read().strip().splitlines()
    if seconds >= timeout:
        return f"killed at {timeout} s"
    cpu = usage.ru_utime + usage.ru_stime
    peak = int(hwm.read_text()) / 1024 if hwm.exists() else 0.0
    said = (lines[-1] if lines else "")[:60].replace("|", "/")
    outcome = f"exit {code_}" + (f": {said}" if code_ or not scan else "")
    return f"{seconds:.1f} s, {cpu:.1f} s CPU, {peak:.0f} MB, {outcome}"


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--before", type=Path, help="src/ of the code before the fix")
    args.add_argument(
        "--analysis-only", action="store_true", help="only PACKAGE_ROWS; print, write no docs"
    )
    args.add_argument(
        "--only", default="", help="only the rows (project and analysis) whose label holds this"
    )
    options = args.parse_args()
    if options.analysis_only:
        with tempfile.TemporaryDirectory() as tmp:
            analysis_lines(options.before, Path(tmp))
        return
    head = "| input | before | after |" if options.before else "| input | after |"
    lines = [head, "|---|---|---|" if options.before else "|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for number, row in enumerate(PROJECT_ROWS + ANALYSIS_ROWS):
            if options.only not in row.label:
                continue
            path = Path(tmp) / f"row{number}" / row.name
            path.parent.mkdir(parents=True)
            _make(row, path)
            home = Path(tmp) / f"home{number}"
            cells = [measure(ROOT / "src", path, row.scan, home)]
            if options.before:
                cells.insert(0, measure(options.before, path, row.scan, home, BEFORE_TIMEOUT))
            lines.append(f"| {row.label} | " + " | ".join(cells) + " |")
            print(lines[-1], flush=True)
            _remove(path.parent)
        analysis = analysis_lines(options.before, Path(tmp), options.only)
    text = "\n".join(
        [
            "## Hostile project files (issue 17)",
            "",
            machine_line(),
            "",
            "Command: `python bench/hostile.py --before /work/main/src` (one fresh process per "
            "cell: wall seconds, CPU seconds, that process's own peak RSS, and what "
            "it printed or its exit code; a scan is `depshield scan --offline --format json` "
            f"with the report written to /dev/null; a cell over {TIMEOUT} s, {BEFORE_TIMEOUT} s "
            "for the before column, is killed; peak RSS is the process's VmHWM). The "
            "100,000-entry lockfiles are bench/biglocks.py's real-shaped generated ones. The "
            "machine is shared: the load above inflates wall seconds, CPU seconds much less.",
            "",
            *lines,
            "",
            "Per-file analysis budgets: each file alone in a package (its entry point), one "
            "`depshield package DIR --offline --format json` process per cell; CPU seconds and "
            "peak RSS are that process's own (wait4), the outcome is the first `skippedFiles` "
            "entry.",
            "",
            *analysis,
        ]
    )
    if not options.only:
        write_section(ROOT / "docs" / "benchmarks.md", "hostile", text)
    print(text)


def _make(row: Row, path: Path) -> None:
    """Write the row's input in a child process: this one stays small, so that no measured
    process inherits a large high-water mark."""
    index = (PROJECT_ROWS + ANALYSIS_ROWS).index(row)
    here = Path(__file__).resolve()
    code = f"import sys; sys.path.insert(0, {str(here.parent)!r}); import hostile; "
    code += "from pathlib import Path; rows = hostile.PROJECT_ROWS + hostile.ANALYSIS_ROWS; "
    code += f"rows[{index}].make(Path({str(path)!r}))"
    subprocess.run([sys.executable, "-c", code], check=True)


def _remove(folder: Path) -> None:
    for item in folder.iterdir():
        item.unlink()
    folder.rmdir()


if __name__ == "__main__":
    main()
