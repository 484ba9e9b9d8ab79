"""Measure didYouMean: incident names, corpus names, honest names, check and load times.

Usage: .venv/bin/python bench/typosquats.py [--corpus ZIP] [--osv DIR] [--doc docs/benchmarks.md]

Reads only the corpus zip's `index.jsonl` (package names), never a sample's files.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from depshield.intel import popularity, typosquat  # noqa: E402
from depshield.intel.confusables import registry_key, skeleton  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docs_section import machine_line, write_section  # noqa: E402

SHARED = Path("/work/shared")
# INCIDENTS.md item 9, with the registry each name was published on.
INCIDENT_NAMES = [
    ("npm", "loadsh"),
    ("pypi", "reqeusts"),
    ("npm", "evnt-stream"),
    ("npm", "event.stream"),
    ("npm", "1odash"),
    ("npm", "react2"),
    ("npm", "crossenv"),
    ("pypi", "colourama"),
    ("pypi", "jeIlyfish"),
]
Names = list[tuple[str, str]]


def corpus_names(zip_path: Path) -> Names:
    with zipfile.ZipFile(zip_path) as archive:
        archive.setpassword(b"infected")
        rows = [json.loads(line) for line in archive.read("index.jsonl").splitlines() if line]
    return sorted({(r["ecosystem"], r["name"]) for r in rows})


def osv_names(paths: Iterable[Path]) -> Names:
    """(ecosystem, name) of every affected package in OSV records (zips or folders of JSON)."""
    found: set[tuple[str, str]] = set()
    for path in paths:
        blobs: Iterable[bytes]
        if path.suffix == ".zip":
            archive = zipfile.ZipFile(path)
            blobs = (archive.read(n) for n in archive.namelist() if n.endswith(".json"))
        else:
            blobs = (p.read_bytes() for p in path.glob("*.json"))
        for blob in blobs:
            for affected in json.loads(blob).get("affected", []):
                pkg = affected.get("package", {})
                eco = {"PyPI": "pypi", "npm": "npm"}.get(pkg.get("ecosystem", ""))
                if eco and pkg.get("name"):
                    found.add((eco, pkg["name"]))
    return sorted(found)


def osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein plus adjacent swaps)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


def _deletes2(text: str) -> set[str]:
    out = {text}
    for i in range(len(text)):
        one = text[:i] + text[i + 1 :]
        out.add(one)
        out.update(one[:j] + one[j + 1 :] for j in range(len(one)))
    return out


def near_popular(ecosystem: str, names: list[str]) -> dict[str, str]:
    """Independent yardstick: names not on the list within distance 1 of a popular skeleton
    (distance 2 when both have 8+ letters). Brute force over two-deletion keys."""
    index = popularity.load_index(ecosystem)
    forms = {n: skeleton(n) for n in names if index.rank_of(registry_key(ecosystem, n)) is None}
    by_key: dict[str, set[str]] = defaultdict(set)
    for name, form in forms.items():
        for key in _deletes2(form):
            by_key[key].add(name)
    near: dict[str, str] = {}
    for popular, form in zip(index.names, index.skeletons, strict=True):
        for key in _deletes2(form):
            for name in by_key.get(key, ()):
                if name in near:
                    continue
                d = osa_distance(forms[name], form)
                if d <= 1 or (d == 2 and min(len(form), len(forms[name])) >= 8):
                    near[name] = popular
    return near


def flag(names: Names, allow: bool = True) -> dict[tuple[str, str], tuple[str, str]]:
    """(ecosystem, name) -> (target, technique) for every flagged name."""
    indexes = {e: popularity.load_index(e) for e in ("npm", "pypi")}
    if not allow:
        indexes = {e: i.without_allow_list() for e, i in indexes.items()}
    out = {}
    for eco, name in names:
        index, key = indexes[eco], registry_key(eco, name.strip())
        best = typosquat._best_match(index, name.strip(), key, index.rank_of(key))
        if best is not None:
            out[(eco, name)] = (index.name(best[0]), best[1])
    return out


def timings(names: Names) -> tuple[float, float, float]:
    """Median wall, median CPU and 99th-percentile CPU microseconds of one did_you_mean call
    (indexes loaded). CPU time leaves out preemption, which dominates the wall-clock tail on a
    shared 2-core machine."""
    wall, cpu = [], []
    for eco, name in names:
        start, start_cpu = time.perf_counter(), time.process_time()
        typosquat.did_you_mean(eco, name)
        cpu.append((time.process_time() - start_cpu) * 1e6)
        wall.append((time.perf_counter() - start) * 1e6)
    cpu.sort()
    return statistics.median(wall), statistics.median(cpu), cpu[int(len(cpu) * 0.99)]


def _listing(hits: dict[tuple[str, str], tuple[str, str]]) -> str:
    by_target: dict[str, list[str]] = defaultdict(list)
    for (eco, name), (target, _) in sorted(hits.items()):
        by_target[f"{eco}:{target}"].append(name)
    return "; ".join(f"`{t}` <- {', '.join(f'`{n}`' for n in ns)}" for t, ns in by_target.items())


@contextlib.contextmanager
def _home(path: str) -> Iterator[None]:
    old = os.environ.get("DEPSHIELD_HOME")
    os.environ["DEPSHIELD_HOME"] = path
    try:
        yield
    finally:
        if old is None:
            del os.environ["DEPSHIELD_HOME"]
        else:
            os.environ["DEPSHIELD_HOME"] = old


def report(args: argparse.Namespace) -> str:
    builds, firsts = {}, {}
    for eco, probe in (("npm", "loadsh"), ("pypi", "reqeusts")):
        popularity.load_index.cache_clear()
        with tempfile.TemporaryDirectory() as home, _home(home):
            start = time.perf_counter()
            popularity.load_index(eco)  # an empty home: the index file is built
            builds[eco] = time.perf_counter() - start
        popularity.load_index.cache_clear()
        popularity.load_index(eco)  # built in the real home if it was not there yet
        popularity.load_index.cache_clear()
        start = time.perf_counter()
        typosquat.did_you_mean(eco, probe)  # what one process pays: open the file, one check
        firsts[eco] = time.perf_counter() - start
    lines = [machine_line(), "", f"Command: `{args.command}`", ""]
    incident = flag(INCIDENT_NAMES)
    lines.append(
        f"- INCIDENTS.md typosquat names flagged: **{len(incident)}/{len(INCIDENT_NAMES)}**"
        f" ({_listing(incident)})"
    )
    lines += _corpus_lines(corpus_names(args.corpus)) if args.corpus.exists() else []
    popular = [(e, n) for e in ("npm", "pypi") for n in popularity.load_index(e).names]
    raw, kept = flag(popular, allow=False), flag(popular)
    lines.append(
        f"- Popular names checked against the lists ({len(popular):,}: npm top 20,000 + "
        f"PyPI top {len(popular) - 20000:,}): **{len(kept)} flagged**; {len(raw)} before "
        f"the allow-list ({_listing(raw) or 'none'})"
    )
    lines += _osv_lines(args.osv) if args.osv.exists() else []
    median, median_cpu, p99 = timings(popular[::7] + INCIDENT_NAMES * 20)
    lines.append(
        f"- The on-disk index, built once per shipped list: npm {builds['npm']:.2f} s, PyPI "
        f"{builds['pypi']:.2f} s. Opening it and the first check in a process: npm "
        f"{firsts['npm'] * 1000:.1f} ms, PyPI {firsts['pypi'] * 1000:.1f} ms"
    )
    lines.append(
        f"- One check after load ({len(popular[::7]) + 180:,} names): median {median:.0f} us wall, "
        f"{median_cpu:.0f} us CPU; p99 {p99:.0f} us CPU"
    )
    return "\n".join(lines)


def _corpus_lines(names: Names) -> list[str]:
    hits = flag(names)
    out = []
    for eco in ("npm", "pypi"):
        mine = [n for e, n in names if e == eco]
        near = near_popular(eco, mine)
        flagged = {n for (e, n) in hits if e == eco}
        techniques = Counter(why for (e, _), (_, why) in hits.items() if e == eco)
        out.append(
            f"- Dev corpus, {eco}: {len(mine)} names; {len(near)} near a popular name "
            f"(yardstick: distance 1, or 2 for 8+ letters); **{len(flagged)} flagged**, "
            f"{len(flagged & set(near))} of them near; techniques "
            f"{dict(techniques.most_common())}"
        )
    out.append(f"- Corpus squats by target: {_listing(hits)}")
    return out


def _osv_lines(osv: Path) -> list[str]:
    benign_sources = [osv / "pypi-pypa-advisory-database.zip", osv / "npm-ghsa-sample"]
    benign = [
        (e, n)
        for e, n in osv_names(p for p in benign_sources if p.exists())
        if popularity.load_index(e).rank_of(registry_key(e, n)) is None
    ]
    raw, kept = flag(benign, allow=False), flag(benign)
    out = [
        f"- Honest names outside the lists (packages of PyPA / GitHub advisories, "
        f"{len(benign)}): **{len(kept)} flagged** ({_listing(kept) or 'none'}); {len(raw)} "
        f"before the allow-list (3 of its entries, tensorflow-gpu, tryton and starlite, are "
        "well-known projects first seen in this set)"
    ]
    feed = osv / "malicious-sample.zip"
    if feed.exists():
        malicious = osv_names([feed])
        out.append(
            f"- Known-malicious names (OpenSSF sample, {len(malicious)}): "
            f"**{len(flag(malicious))} flagged** (the feed mixes squats with every other "
            "kind of malicious name; no yardstick is computed for it)"
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "malicious-dev.zip")
    parser.add_argument("--osv", type=Path, default=SHARED / "data" / "osv")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--print-only", action="store_true", help="do not write the doc")
    args = parser.parse_args()
    args.command = "python bench/typosquats.py " + " ".join(sys.argv[1:])
    text = report(args)
    print(text)
    if not args.print_only:
        write_section(args.doc, "typosquats", "## Typosquats (didYouMean)\n\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
