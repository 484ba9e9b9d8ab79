"""Detection benchmark: recall on the malware corpus, false positives on popular and long-tail
packages, time and memory per package, beside GuardDog on the same packages.

    python bench/detection.py [--ecosystem npm|pypi|all] [--peer run|reuse|skip] [--limit N]

Each package is analysed by a whole `depshield package PATH --offline --format json --all`
process (time and peak RSS measured per process). Malware samples are written to a temporary
directory that is deleted right after (bench/corpus.py); nothing is ever executed. Results go to
bench/out/ (not committed) and the figures to docs/benchmarks.md between the detection markers.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from corpus import materialize  # noqa: E402
from docs_section import machine_line, write_section  # noqa: E402
from peer_guarddog import Item, benign_items, malware_items, run_guarddog  # noqa: E402

from depshield.alerts.grading import THREATS as GRADED_THREATS  # noqa: E402

THREATS = GRADED_THREATS | {"malware"}
WARN_UP = ("error", "warn")
# Benign sets: (set name, manifest below --data, id prefix keeping the sets' ids apart).
BENIGN_SETS = (
    ("benign-top", Path("benign/manifest.jsonl"), ""),
    ("benign-wide", Path("wide/benign/manifest.jsonl"), "wide:"),
)

DEPSHIELD = ROOT / ".venv" / "bin" / "depshield"
# --resident: every package is served by one resident analyser (same verdicts, a third of the
# wall time on a loaded machine); the summary then reports resident times.
RESIDENT = [False]
TIMEOUT = 900  # seconds for one package: a package that takes longer is an error row, not a crash
DEFAULT_ZIP = Path(
    os.environ.get("DEPSHIELD_CORPUS", ROOT.parent / "shared/corpus/malicious-dev.zip")
)
DEFAULT_DATA = Path(os.environ.get("DEPSHIELD_BENCH_DATA", "/work/benchdata"))
GUARDDOG_RESULTS = DEFAULT_DATA / "guarddog"
OUT = HERE / "out"


@dataclass
class Outcome:
    item_id: str
    ecosystem: str
    name: str
    version: str
    set: str  # "malware" | "benign-top" | "benign-wide"
    partial: bool
    verdict: str  # block | warn | pass | error
    seconds: float
    max_rss_mb: float
    alerts: list[dict[str, object]] = field(default_factory=list)
    error: str | None = None
    size: int = 0
    peer: str | None = None
    peer_seconds: float | None = None


def run_depshield(
    path: Path, ecosystem: str, home: Path, resident: bool = False
) -> tuple[dict | None, float, float, str]:
    """One whole CLI process: (report, wall seconds, peak RSS MB, stderr). `resident`: let a
    resident analyser started for `home` serve it (bench/paired_speed.py), else a fresh run."""
    env = {**os.environ, "DEPSHIELD_HOME": str(home), "DEPSHIELD_OFFLINE": "1"}
    env.pop("DEPSHIELD_NO_DAEMON", None)
    # An installed depshield runs from bytecode (pip compiles it at install); the source tree
    # the bench runs has none, and PYTHONDONTWRITEBYTECODE would make every process compile
    # every module again. Keep the bytecode beside the bench's home instead of in the tree.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONPYCACHEPREFIX", str(home / "pycache"))
    if not resident:
        env["DEPSHIELD_NO_DAEMON"] = "1"
    cmd = [
        str(DEPSHIELD),
        "package",
        str(path),
        "--offline",
        "--format",
        "json",
        "--all",
        "--ecosystem",
        ecosystem,
        "--fail-on",
        "never",
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None, time.perf_counter() - start, 0.0, f"timed out after {TIMEOUT} s"
    seconds = time.perf_counter() - start
    rss = 0.0
    try:
        _, _, usage = os.wait4(proc.pid, os.WNOHANG)
        rss = usage.ru_maxrss / 1024
    except ChildProcessError:
        pass
    try:
        return json.loads(out), seconds, rss, err.decode(errors="replace")
    except ValueError:
        return None, seconds, rss, err.decode(errors="replace")[-300:]


def _threat_props(alert: dict[str, Any]) -> dict[str, object]:
    """How a threat alert was reached (the rule's `how`, sources, sinks and chain), so that two
    runs can be compared rule by rule; other alerts keep only type, action and place."""
    if alert["type"] not in THREATS:
        return {}
    props = alert.get("props") or {}
    keep = {k: props[k] for k in ("how", "when", "source", "sink") if k in props}
    chain = props.get("chain")
    if chain:
        keep["chain"] = [str(c)[:120] for c in chain[:4]]
    return {"props": keep} if keep else {}


def _measure(item: Item, kind: str, home: Path, peer: str) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="ds-sample-") as tmp:
        if item.sample is not None:
            path = materialize(item.sample, tmp)
        else:
            assert item.archive is not None
            path = item.archive
        size = _size(path)
        # Measure peak RSS per process with a wrapper (ru_maxrss of waited children).
        report, seconds, _, err = run_depshield(path, item.ecosystem, home, RESIDENT[0])
    rss = _last_child_rss()
    outcome = Outcome(
        item.id,
        item.ecosystem,
        item.name,
        item.version,
        kind,
        bool(item.extra.get("partial")),
        "error",
        seconds,
        rss,
        size=size,
    )
    if report and report.get("packages"):
        pkg = report["packages"][0]
        outcome.verdict = pkg["verdict"]
        outcome.alerts = [
            {
                "type": a["type"],
                "action": a["action"],
                "file": a["file"],
                "line": a["line"],
                "evidence": (a.get("evidence") or "")[:100],
                **_threat_props(a),
            }
            for a in pkg["alerts"]
        ]
    else:
        outcome.error = err.strip().splitlines()[-1] if err.strip() else "no report"
    if peer == "run":
        from peer_guarddog import item_path

        with item_path(item) as gd_path:
            result = run_guarddog(item.ecosystem, gd_path)
        outcome.peer, outcome.peer_seconds = result.label, result.seconds
    return outcome


_RSS_SEEN = 0.0


def _last_child_rss() -> float:
    """ru_maxrss of children is a running maximum; report it (an upper bound per process)."""
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def items(
    ecosystem: str, zip_path: Path, data: Path, sets: tuple[str, ...]
) -> Iterator[tuple[str, Item]]:
    if "malware" in sets:
        for item in malware_items(str(zip_path), ecosystem):
            yield "malware", item
    for name, manifest, prefix in BENIGN_SETS:
        if name in sets and (data / manifest).exists():
            for item in benign_items(data / manifest, ecosystem, prefix):
                yield name, item


def reuse_peer(outcomes: list[Outcome]) -> None:
    """GuardDog's verdicts from its own run over the same packages (bench/peer_guarddog.py)."""
    table: dict[str, dict] = {}
    for path in GUARDDOG_RESULTS.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                table[str(row.get("id") or row.get("sample"))] = row
    for o in outcomes:
        row = table.get(o.item_id)
        if row:
            o.peer, o.peer_seconds = row.get("label"), row.get("seconds")


def _only(spec: str) -> set[str]:
    """The --only selection: names and name@version pairs, inline or from a file (@FILE)."""
    if spec.startswith("@"):
        spec = Path(spec[1:]).read_text().replace("\n", ",")
    return {part.strip() for part in spec.split(",") if part.strip()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ecosystem", choices=["npm", "pypi", "all"], default="all")
    parser.add_argument("--peer", choices=["run", "reuse", "skip"], default="reuse")
    parser.add_argument("--limit", type=int, default=0, help="at most N packages per set")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--zip", type=Path, default=DEFAULT_ZIP)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--sets",
        default="malware,benign-top,benign-wide",
        help="comma-separated: malware, benign-top (DATA/benign), benign-wide (DATA/wide/benign)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated NAME or NAME@VERSION (or @FILE, one a line): re-run just these",
    )
    parser.add_argument("--out", type=Path, default=OUT / "detection.jsonl")
    parser.add_argument(
        "--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md (iterating)"
    )
    parser.add_argument(
        "--resident",
        action="store_true",
        help="serve every package from one resident analyser (the summary says so)",
    )
    args = parser.parse_args(argv)
    RESIDENT[0] = args.resident
    only = _only(args.only)
    ecosystems = ["npm", "pypi"] if args.ecosystem == "all" else [args.ecosystem]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    work: list[tuple[str, Item]] = []
    for eco in ecosystems:
        per_set: Counter[str] = Counter()
        for kind, item in items(eco, args.zip, args.data, tuple(args.sets.split(","))):
            if args.limit and per_set[kind] >= args.limit:
                continue
            if only and not {item.name, f"{item.name}@{item.version}"} & only:
                continue
            per_set[kind] += 1
            work.append((kind, item))
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="ds-bench-home-") as home:
        daemon = [str(DEPSHIELD), "daemon"]
        env = {**os.environ, "DEPSHIELD_HOME": home}
        if args.resident:
            subprocess.run([*daemon, "start"], env=env, check=True)
        try:
            with ThreadPoolExecutor(max_workers=args.jobs) as pool:
                log = partial_log(args.out, len(work), home, args.peer)
                outcomes = list(pool.map(log, work))
        finally:
            if args.resident:
                subprocess.run([*daemon, "stop"], env=env, check=False)
    if args.peer == "reuse":
        reuse_peer(outcomes)
    with args.out.open("w") as out:
        for o in outcomes:
            out.write(json.dumps(o.__dict__) + "\n")
    startup = measure_startup()
    text = summarize(outcomes, ecosystems, startup, args, time.time() - started)
    if not (args.no_docs or only):
        section = "detection-" + ("all" if len(ecosystems) > 1 else ecosystems[0])
        write_section(ROOT / "docs" / "benchmarks.md", section, text)
    print(text)
    return 0


def partial_log(
    out: Path, total: int, home: str, peer: str
) -> Callable[[tuple[str, Item]], Outcome]:
    """Measure one work item and append it to OUT.partial as it finishes (a long run that is
    stopped keeps what it measured), with a progress line every 100 packages."""
    path = out.with_name(out.name + ".partial")
    path.write_text("")
    lock = threading.Lock()
    done = [0]

    def measure(work: tuple[str, Item]) -> Outcome:
        outcome = _measure(work[1], work[0], Path(home), peer)
        with lock, path.open("a") as log:
            log.write(json.dumps(outcome.__dict__) + "\n")
            done[0] += 1
            if done[0] % 100 == 0:
                print(f"{done[0]}/{total} packages", file=sys.stderr, flush=True)
        return outcome

    return measure


def measure_startup(runs: int = 15) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(DEPSHIELD), "--version"], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def summarize(
    outcomes: list[Outcome],
    ecosystems: list[str],
    startup: float,
    args: argparse.Namespace,
    elapsed: float,
) -> str:
    lines = [
        f"## Detection ({', '.join(ecosystems)}): malware recall, false positives, speed"
        " (vs GuardDog)",
        "",
        machine_line(),
        f"Command: `python bench/detection.py --ecosystem {args.ecosystem} --peer {args.peer}"
        + (f" --limit {args.limit}" if args.limit else "")
        + (f" --sets {args.sets}" if args.sets != "malware,benign-top,benign-wide" else "")
        + (" --resident" if getattr(args, "resident", False) else "")
        + f"` ({elapsed / 60:.1f} min).",
        "Each package is one whole `depshield package PATH --offline --format json --all` process"
        + (
            ", served by one resident analyser (`depshield daemon start`): the times below are"
            " resident times; bench/paired_speed.py measures fresh processes."
            if getattr(args, "resident", False)
            else "."
        ),
        "GuardDog: `guarddog <eco> scan PATH --output-format json`, `risk_score.label` high_risk ="
        " block, suspicious = warn"
        + (
            " (verdicts from its own run over the same packages on this"
            " machine, bench/peer_guarddog.py)"
            if args.peer == "reuse"
            else " (run right after depshield on each package)"
            if args.peer == "run"
            else " (not run: `--peer skip`)"
        )
        + ".",
        "",
        f"Start-up of the command (`depshield --version`, median of 15): **{startup:.3f} s**.",
        "",
    ]
    for eco in ecosystems:
        lines += _ecosystem_section(eco, [o for o in outcomes if o.ecosystem == eco])
    return "\n".join(lines) + "\n"


def _rate(n: int, d: int) -> str:
    return f"{n}/{d} = {n / d:.3f}" if d else "n/a"


def _ecosystem_section(eco: str, outcomes: list[Outcome]) -> list[str]:
    malware = [o for o in outcomes if o.set == "malware" and not o.partial]
    partial = [o for o in outcomes if o.set == "malware" and o.partial]
    top = [o for o in outcomes if o.set == "benign-top"]
    wide = [o for o in outcomes if o.set == "benign-wide"]
    benign = top + wide
    lines = [
        f"### {eco}",
        "",
        "| set | packages | depshield block | depshield block+warn |"
        " GuardDog block | GuardDog block+warn |",
        "|---|---|---|---|---|---|",
    ]
    for label, group in (
        ("malware", malware),
        ("malware (partial samples)", partial),
        ("benign (top 300)", top),
        ("benign (long tail)", wide),
        ("benign (top + long tail)", benign if top and wide else []),
    ):
        if not group:
            continue
        n = len(group)
        ds_b = sum(o.verdict == "block" for o in group)
        ds_w = sum(o.verdict in ("block", "warn") for o in group)
        peer = [o for o in group if o.peer]
        gd_b = sum(o.peer == "block" for o in peer)
        gd_w = sum(o.peer in ("block", "warn") for o in peer)
        lines.append(
            f"| {label} | {n} | {_rate(ds_b, n)} | {_rate(ds_w, n)} | "
            f"{_rate(gd_b, len(peer))} | {_rate(gd_w, len(peer))} |"
        )
    everything = malware + partial + benign
    ds_times = [o.seconds for o in everything]
    gd_times = [o.peer_seconds for o in everything if o.peer_seconds]
    largest = max(everything, key=lambda o: o.size) if everything else None
    lines += [
        "",
        f"Median time per package: depshield **{statistics.median(ds_times):.3f} s**"
        + (
            f", GuardDog **{statistics.median(gd_times):.3f} s** (ratio "
            f"{statistics.median(ds_times) / statistics.median(gd_times):.3f})"
            if gd_times
            else ""
        )
        + f"; depshield p95 {_pct(ds_times, 95):.3f} s, max {max(ds_times):.3f} s.",
    ]
    if largest:
        lines.append(
            f"Largest package: {largest.name} ({largest.size / 1e6:.1f} MB), "
            f"{largest.seconds:.2f} s."
        )
    lines.append(
        f"Peak RSS of any one depshield process: {max(o.max_rss_mb for o in everything):.0f} MB."
    )
    errors = [o for o in everything if o.verdict == "error"]
    if errors:
        lines.append(f"Errors: {len(errors)} ({', '.join(o.name for o in errors[:10])}).")
    lines += ["", *_type_table(malware + partial, benign)]
    lines += ["", *_misses(malware, "Malware not blocked")]
    lines += ["", *_misses(partial, "Partial malware samples not blocked")]
    lines += ["", *_threats_on_benign(benign), "", *_false_positives(benign)]
    return lines + [""]


def _pct(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def _type_table(malware: list[Outcome], benign: list[Outcome]) -> list[str]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for label, group in (("malware", malware), ("benign", benign)):
        for o in group:
            for type_ in {a["type"] for a in o.alerts}:
                counts[str(type_)][label] += 1
            for type_ in {a["type"] for a in o.alerts if a["action"] in WARN_UP}:
                counts[str(type_)][label + "+"] += 1
    fixtures = _fixtures()
    lines = [
        "Alert types (behaviour rules): packages on which each type fires, and the test fixtures "
        "that pin it (tests/fixtures/catalog/coverage.toml: a firing fixture and a benign "
        "look-alike per ecosystem, checked at type, file and line by "
        "tests/test_catalog_coverage.py; `unit` = asserted by the unit tests it names).",
        "",
        f"| type | fixtures (fires + look-alike) | malware, any action (of {len(malware)}) |"
        f" malware, warn+ | benign, any action (of {len(benign)}) | benign, warn+ |",
        "|---|---|---|---|---|---|",
    ]
    for type_, c in sorted(counts.items(), key=lambda kv: (-kv[1]["malware"], kv[0])):
        lines.append(
            f"| {type_} | {fixtures.get(type_, 'none')} | {c['malware']} | {c['malware+']} |"
            f" {c['benign']} | {c['benign+']} |"
        )
    return lines


def _fixtures() -> dict[str, str]:
    """Per alert type, the ecosystems whose firing fixture and look-alike the coverage table
    lists (`npm, pypi`), or `unit` for types asserted by named unit tests."""
    import tomllib

    path = ROOT / "tests" / "fixtures" / "catalog" / "coverage.toml"
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    found = {type_: ", ".join(sorted(by_eco)) for type_, by_eco in table.get("case", {}).items()}
    for type_ in table.get("external", {}):
        found.setdefault(type_, "unit")
    return found


def _threats_on_benign(benign: list[Outcome]) -> list[str]:
    """Threat alerts at warn or above on legitimate packages: the target is none."""
    hits = [
        (o, a) for o in benign for a in o.alerts if a["type"] in THREATS and a["action"] in WARN_UP
    ]
    lines = [f"Threat alerts at warn+ on benign packages ({len(hits)}; target 0):", ""]
    for o, a in hits:
        lines.append(
            f"- `{o.name}@{o.version}` [{o.set}]: {a['type']} ({a['action']}) "
            f"{a['file'] or ''}:{a['line'] or ''}"
        )
    return lines


def _reason(o: Outcome, actions: tuple[str, ...]) -> str:
    hits = [a for a in o.alerts if a["action"] in actions]
    if o.error:
        return f"error: {o.error}"
    if not hits:
        top = sorted({str(a["type"]) for a in o.alerts})[:6]
        return "no blocking alert; saw: " + (", ".join(top) or "nothing")
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for a in hits:
        groups[(str(a["type"]), str(a["action"]))].append(f"{a['file'] or ''}:{a['line'] or ''}")
    # Every rule at warn+ is named; its first two places are shown, the rest counted.
    return "; ".join(
        f"{type_} ({action}) {', '.join(places[:2])}"
        + (f" (+{len(places) - 2} more)" if len(places) > 2 else "")
        for (type_, action), places in groups.items()
    )


def _misses(malware: list[Outcome], title: str) -> list[str]:
    missed = [o for o in malware if o.verdict != "block"]
    lines = [f"{title} ({len(missed)}):", ""]
    for o in sorted(missed, key=lambda o: (o.verdict, o.name)):
        lines.append(f"- `{o.name}@{o.version}` ({o.verdict}): {_reason(o, ('warn',))}")
    return lines


def _false_positives(benign: list[Outcome]) -> list[str]:
    flagged = [o for o in benign if o.verdict in ("block", "warn")]
    lines = [f"Benign packages flagged, every warn and block ({len(flagged)}):", ""]
    for o in sorted(flagged, key=lambda o: (o.verdict, o.set, o.name)):
        lines.append(f"- `{o.name}@{o.version}` [{o.set}] ({o.verdict}): {_reason(o, WARN_UP)}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
