"""Hostile project files (issue 17): seconds and peak RSS per input, one fresh process per row.

Usage: python bench/hostile.py [--before SRC]  (SRC: another checkout's src/, e.g. main's, for the
"before" column). The inputs are generated into a temporary directory, never committed. Nothing
here runs package code: every row only parses a generated project file.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docs_section import machine_line, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60  # a row that exceeds this is reported as killed

PARSE = (
    "import sys, pathlib\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "from depshield.lockfiles.{module} import {parser}\n"
    "from depshield.errors import DepshieldError\n"
    "p = pathlib.Path(sys.argv[2])\n"
    "try:\n"
    "    print(len({parser}().parse(p, p.read_text()).packages))\n"
    "except DepshieldError as exc:\n"
    "    print('refused:', exc.message[:60])\n"
)


def alias_bomb(levels: int = 9, width: int = 10) -> str:
    lines = ["l0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


ROWS = [
    (
        "requirements.txt, one line of 2,000,000 spaces",
        "requirements.txt",
        "requirements",
        "RequirementsParser",
        lambda: "six==1.16.0" + " " * 2_000_000 + "x\n",
    ),
    (
        "yarn berry yarn.lock, aliases expanding to 10^9 nodes",
        "yarn.lock",
        "yarn",
        "YarnLockParser",
        lambda: "__metadata:\n  version: 8\n  cacheKey: 10\n" + alias_bomb(),
    ),
    (
        "pnpm-lock.yaml, aliases expanding to 10^9 nodes",
        "pnpm-lock.yaml",
        "pnpm",
        "PnpmLockParser",
        lambda: "lockfileVersion: '9.0'\n" + alias_bomb(),
    ),
]


def _minified(size: int) -> str:
    parts, total, i = [], 0, 0
    while total < size:
        part = f"function a{i}(b,c){{var d=b+c*{i};return c.map(function(e){{return e.x+d}})}}"
        parts.append(part)
        total += len(part) + 1
        i += 1
    return ";".join(parts)


_SHELL = "require('child_process').exec('id');\n"
# Per-file analysis budgets (issue 17): (label, ecosystem, file name, content), each file alone
# in a package whose entry point it is, through `depshield package DIR --offline --format json`.
ANALYSIS_ROWS: list[tuple[str, str, str, Callable[[], str]]] = [
    ("JS, 10 MB one-line bundle", "npm", "index.js", lambda: _SHELL + _minified(10_000_000)),
    ("JS, 5 MB minified", "npm", "index.js", lambda: _minified(5_000_000)),
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


def analysis_lines(before: Path | None, tmp: Path) -> list[str]:
    head = "| file | before | after |" if before else "| file | after |"
    lines = [head, "|---|---|---|" if before else "|---|---|"]
    for n, (label, ecosystem, name, make) in enumerate(ANALYSIS_ROWS):
        pkg = package_dir(tmp / f"pkg{n}", ecosystem, name, make())
        cells = [measure_package(ROOT / "src", pkg, tmp / "home-after")]
        if before:
            cells.insert(0, measure_package(before, pkg, tmp / "home-before"))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    return lines


def measure(src: Path, path: Path, module: str, parser: str) -> str:
    code = PARSE.format(module=module, parser=parser)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(src), str(path)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return f"killed at {TIMEOUT} s"
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    rss = f"{peak / 1024:.0f} MB" if peak > before else "<= previous row"
    outcome = (done.stdout.strip() or done.stderr.strip().splitlines()[-1])[:70]
    return f"{seconds:.2f} s, {rss}, {outcome}"


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--before", type=Path, help="src/ of the code before the fix")
    args.add_argument(
        "--analysis-only", action="store_true", help="only ANALYSIS_ROWS; print, write no docs"
    )
    options = args.parse_args()
    if options.analysis_only:
        with tempfile.TemporaryDirectory() as tmp:
            analysis_lines(options.before, Path(tmp))
        return
    head = "| input | before | after |" if options.before else "| input | after |"
    lines = [head, "|---|---|---|" if options.before else "|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for label, name, module, parser, make in ROWS:
            path = Path(tmp) / label.split(",")[0].split()[0].replace("/", "_") / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(make())
            cells = [measure(ROOT / "src", path, module, parser)]
            if options.before:
                cells.insert(0, measure(options.before, path, module, parser))
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        analysis = analysis_lines(options.before, Path(tmp))
    text = "\n".join(
        [
            "## Hostile project files (issue 17)",
            "",
            machine_line(),
            "",
            "Command: `python bench/hostile.py --before /work/main/src` (one fresh process per "
            "cell; peak RSS is the largest child so far, ru_maxrss, so a smaller later row "
            "shows as `<= previous row`).",
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
    write_section(ROOT / "docs" / "benchmarks.md", "hostile", text)
    print(text)


if __name__ == "__main__":
    main()
