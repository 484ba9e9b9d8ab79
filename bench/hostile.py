"""Hostile project files (issue 17): seconds and peak RSS per input, one fresh process per row.

Usage: python bench/hostile.py [--before SRC]  (SRC: another checkout's src/, e.g. main's, for the
"before" column). The inputs are generated into a temporary directory, never committed. Nothing
here runs package code: every row only parses a generated project file.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
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
    options = args.parse_args()
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
        ]
    )
    write_section(ROOT / "docs" / "benchmarks.md", "hostile", text)
    print(text)


if __name__ == "__main__":
    main()
