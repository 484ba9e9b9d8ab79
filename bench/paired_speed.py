"""Speed beside GuardDog, measured side by side: the same packages, one process at a time, the
tools alternating, so that all see the same machine and the same load.

    python bench/paired_speed.py [--per-ecosystem 60]

The detection benchmark (bench/detection.py) times every package but reuses GuardDog's verdicts
and times from its own earlier run; this script is the like-for-like check of the time ratio on
an evenly spread sample of the same sets (malware and benign), for depshield both as a fresh
process and with the resident analyser (`depshield daemon start`) serving the same command.
Nothing is executed: malware samples are written to a temporary directory and read as data.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from corpus import materialize  # noqa: E402
from detection import DEFAULT_DATA, DEFAULT_ZIP, DEPSHIELD, run_depshield  # noqa: E402
from docs_section import machine_line, write_section  # noqa: E402
from peer_guarddog import (  # noqa: E402
    Item,
    benign_items,
    guarddog_version,
    malware_items,
    run_guarddog,
)


def sample(ecosystem: str, count: int, zip_path: Path, data: Path) -> list[Item]:
    """Every k-th package of the malware and benign sets together, `count` in all."""
    items = [*malware_items(str(zip_path), ecosystem)]
    items += benign_items(data / "benign" / "manifest.jsonl", ecosystem)
    step = max(1, len(items) // count)
    return items[::step][:count]


TOOLS = ("fresh", "resident", "guarddog")


def measure(item: Item, home: Path, order: tuple[str, ...]) -> dict[str, float]:
    """Seconds per tool on one package, the tools in `order`."""
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="ds-paired-") as tmp:
        if item.sample is not None:
            ds_path = materialize(item.sample, tmp)
            # As bench/peer_guarddog.py does: GuardDog scans the tree's parent (its rules look
            # for */package.json and */setup.py), depshield the tree itself.
            gd_path = ds_path if ds_path.is_file() else ds_path.parent
        else:
            assert item.archive is not None
            ds_path = gd_path = item.archive
        for tool in order:
            if tool == "guarddog":
                times[tool] = run_guarddog(item.ecosystem, gd_path).seconds
            else:
                resident = tool == "resident"
                before = _children_cpu()
                times[tool] = run_depshield(ds_path, item.ecosystem, home, resident)[1]
                # CPU seconds of the measured process (for `resident`, the client's own: the
                # daemon's child is not ours to count); load inflates wall seconds, not these.
                times[f"{tool} cpu"] = _children_cpu() - before
    return times


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def report(rows: dict[str, list[dict[str, float]]], args: argparse.Namespace) -> str:
    lines = [
        machine_line(),
        "",
        f"Command: `python bench/paired_speed.py --per-ecosystem {args.per_ecosystem}` "
        f"(GuardDog {guarddog_version()}). Each package, one process at a time in rotating "
        "order: `depshield package PATH --offline` as a fresh process, the same command served "
        "by the resident analyser (`depshield daemon start`; the measured process is the whole "
        "client), and `guarddog ECOSYSTEM scan PATH`.",
        "",
        "| ecosystem | packages | depshield fresh | depshield resident | GuardDog "
        "| ratio fresh | ratio resident | fresh CPU | resident client CPU |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    keys = (*TOOLS, "fresh cpu", "resident cpu")
    for eco, measured in rows.items():
        med = {key: statistics.median(m[key] for m in measured) for key in keys}
        lines.append(
            f"| {eco} | {len(measured)} | {med['fresh']:.3f} s | {med['resident']:.3f} s | "
            f"{med['guarddog']:.3f} s | {med['fresh'] / med['guarddog']:.3f} | "
            f"**{med['resident'] / med['guarddog']:.3f}** | {med['fresh cpu']:.3f} s | "
            f"{med['resident cpu']:.3f} s |"
        )
    lines += [
        "",
        "Medians per package; ratio = depshield median / GuardDog median. CPU = user + system "
        "seconds of the measured process (the resident analyser's child is not counted). "
        "depshield runs from bytecode kept beside the bench's home, as an installed copy does.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-ecosystem", type=int, default=60)
    parser.add_argument("--zip", type=Path, default=DEFAULT_ZIP)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    rows: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="ds-paired-") as home:
        env = {"PYTHONPYCACHEPREFIX": f"{home}/pycache", **os.environ, "DEPSHIELD_HOME": home}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as run_depshield: bytecode, as installed
        subprocess.run([str(DEPSHIELD), "daemon", "start"], env=env, check=True)
        try:
            for eco in ("npm", "pypi"):
                warm = sample(eco, 1, args.zip, args.data)
                measure(warm[0], Path(home), TOOLS)  # first runs build the per-home indexes
                items = sample(eco, args.per_ecosystem, args.zip, args.data)
                rows[eco] = [
                    measure(item, Path(home), TOOLS[i % 3 :] + TOOLS[: i % 3])
                    for i, item in enumerate(items)
                ]
        finally:
            subprocess.run([str(DEPSHIELD), "daemon", "stop"], env=env, check=False)
    text = report(rows, args)
    write_section(ROOT / "docs" / "benchmarks.md", "speed-paired", text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
