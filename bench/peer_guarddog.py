"""Run the peer scanner GuardDog offline on package paths and over a benchmark set."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import CorpusError, Sample, iter_malware, materialize  # noqa: E402

DEFAULT_BIN = "/work/guarddog-venv/bin/guarddog"
DEFAULT_CACHE = "/work/benchdata/guarddog/top-packages"
DEFAULT_ZIP = "/work/shared/corpus/malicious-dev.zip"
DEFAULT_MANIFEST = "/work/benchdata/benign/manifest.jsonl"
ECOSYSTEMS = ("npm", "pypi")
# GuardDog refreshes its typosquat lists over the network once they are 30 days old.
CACHE_MAX_AGE = 7 * 24 * 3600
# GuardDog's risk labels mapped onto the benchmark's verdicts; low/no_risks_detected pass.
VERDICTS = {"high_risk": "block", "suspicious": "warn"}
ERROR_CHARS = 500
_CACHE_LOCK = threading.Lock()


@dataclass(frozen=True)
class PeerResult:
    """GuardDog's verdict on one package: block, warn, pass or error."""

    label: str
    seconds: float
    rules: list[str] = field(default_factory=list)
    error: str | None = None
    score: float | None = None
    raw_label: str | None = None


def guarddog_bin() -> Path:
    return Path(os.environ.get("GUARDDOG_BIN", DEFAULT_BIN))


def _bundled_resources(binary: Path) -> Path:
    found = sorted(binary.resolve().parent.parent.glob("lib/python3*/site-packages/guarddog"))
    if not found:
        raise FileNotFoundError(f"no guarddog package next to {str(binary)!r}")
    return found[-1] / "analyzer" / "metadata" / "resources"


def prepare_offline_cache(binary: Path, cache: Path) -> Path:
    """Copy GuardDog's bundled top-package lists to `cache` with a fresh download timestamp."""
    with _CACHE_LOCK:
        return _refresh_cache(binary, cache)


def _refresh_cache(binary: Path, cache: Path) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    now = int(time.time())
    for src in sorted(_bundled_resources(binary).iterdir()):
        dst = cache / src.name
        if src.suffix != ".json":
            if not dst.exists():
                shutil.copyfile(src, dst)
            continue
        current = json.loads((dst if dst.exists() else src).read_text(encoding="utf-8"))
        if now - int(current.get("downloaded_timestamp", 0)) > CACHE_MAX_AGE:
            current["downloaded_timestamp"] = now
            dst.write_text(json.dumps(current, ensure_ascii=False), encoding="utf-8")
    return cache


def offline_env(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["GUARDDOG_TOP_PACKAGES_CACHE_LOCATION"] = str(cache)
    env["GUARDDOG_PARALLELISM"] = "1"
    # Belt and braces: any HTTP request GuardDog still tried would hit a closed loopback port.
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env[var] = "http://127.0.0.1:9"
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    return env


def _netns_prefix() -> list[str]:
    # As root, an empty network namespace guarantees GuardDog cannot reach anything at all.
    unshare = shutil.which("unshare")
    if os.environ.get("GUARDDOG_NETNS", "1") != "0" and os.geteuid() == 0 and unshare:
        return [unshare, "--net"]
    return []


def parse_output(stdout: str, stderr: str, returncode: int, seconds: float) -> PeerResult:
    """Turn GuardDog's JSON report (or its failure) into a PeerResult."""
    try:
        report = json.loads(stdout) if stdout.strip() else None
    except json.JSONDecodeError:
        report = None
    risk = report.get("risk_score") if isinstance(report, dict) else None
    if not isinstance(report, dict) or not isinstance(risk, dict):
        detail = (stderr.strip() or stdout.strip() or "no output")[-ERROR_CHARS:]
        return PeerResult("error", seconds, error=f"exit {returncode}: {detail}")
    results = report.get("results") or {}
    rules = sorted(name for name, hits in results.items() if hits)
    errors = report.get("errors") or {}
    error = json.dumps(errors)[:ERROR_CHARS] if errors else None
    raw = str(risk.get("label"))
    score = risk.get("score")
    return PeerResult(
        VERDICTS.get(raw, "pass"),
        seconds,
        rules=rules,
        error=error,
        score=float(score) if isinstance(score, int | float) else None,
        raw_label=raw,
    )


def run_guarddog(ecosystem: str, path: str | Path, timeout: float = 600.0) -> PeerResult:
    """Scan one local package directory or archive with GuardDog, offline."""
    start = time.monotonic()
    target = Path(path).resolve()
    if ecosystem not in ECOSYSTEMS:
        return PeerResult("error", 0.0, error=f"unknown ecosystem {ecosystem!r}")
    # GuardDog treats anything that is not an existing path as a registry name and fetches it.
    if not target.exists():
        return PeerResult("error", 0.0, error=f"no such path {str(target)!r}")
    binary = guarddog_bin()
    cache = Path(os.environ.get("GUARDDOG_TOP_PACKAGES_CACHE_LOCATION", DEFAULT_CACHE))
    try:
        env = offline_env(prepare_offline_cache(binary, cache))
    except (OSError, ValueError) as exc:
        return PeerResult("error", 0.0, error=f"offline cache: {exc}")
    cmd = [*_netns_prefix(), str(binary), ecosystem, "scan", str(target)]
    cmd += ["--output-format", "json"]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=env, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return PeerResult("error", time.monotonic() - start, error=f"timeout after {timeout}s")
    except OSError as exc:
        return PeerResult("error", 0.0, error=f"cannot run {str(binary)!r}: {exc}")
    return parse_output(proc.stdout, proc.stderr, proc.returncode, time.monotonic() - start)


def guarddog_version() -> str:
    proc = subprocess.run(
        [str(guarddog_bin()), "--version"], capture_output=True, text=True, check=False
    )
    return proc.stdout.strip() or "unknown"


@dataclass(frozen=True)
class Item:
    """One package to scan: its identity and how to get a path GuardDog can read."""

    id: str
    ecosystem: str
    name: str
    version: str
    extra: dict[str, object]
    archive: Path | None = None  # benign packages are archives on disk already
    sample: Sample | None = None  # materialized into a temp dir when scanned


@contextlib.contextmanager
def item_path(item: Item) -> Iterator[Path]:
    if item.sample is None:
        assert item.archive is not None
        yield item.archive
        return
    with tempfile.TemporaryDirectory(prefix="gd-sample-") as tmp:
        path = materialize(item.sample, tmp)
        # Scan the tree's parent, as GuardDog scans an archive it unpacked: several of its rules
        # only match `*/package.json` or `*/setup.py`, never a manifest at the scan root.
        yield path if path.is_file() else path.parent


def malware_items(zip_path: str, ecosystem: str) -> Iterator[Item]:
    for s in iter_malware(zip_path, ecosystem):
        flags: dict[str, object] = {
            "partial": s.partial,
            "reconstructed_from_git": s.reconstructed_from_git,
        }
        yield Item(s.id, s.ecosystem, s.name, s.version, flags, sample=s)


def benign_items(manifest: Path, ecosystem: str, id_prefix: str = "") -> Iterator[Item]:
    """Read another helper's manifest: one JSON object a line with a local archive path.
    `id_prefix` keeps ids of a second benign set (the long tail: "wide:") apart from the top
    set's, so both sets' peer results can share one results directory."""
    for line in manifest.read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else {}
        if row.get("ecosystem") != ecosystem:
            continue
        ref = row.get("path") or row.get("file") or row.get("archive")
        if not ref or row.get("error"):
            continue
        archive = Path(ref) if Path(ref).is_absolute() else manifest.parent / ref
        if not archive.exists():  # not downloaded yet: leave it for a later, resumed run
            continue
        ident = f"{id_prefix}{ecosystem}/{row.get('name')}@{row.get('version')}"
        yield Item(ident, ecosystem, str(row.get("name")), str(row.get("version")), {}, archive)


def scan_item(item: Item, timeout: float) -> dict[str, object]:
    try:
        with item_path(item) as path:
            result = run_guarddog(item.ecosystem, path, timeout)
    except CorpusError as exc:
        result = PeerResult("error", 0.0, error=str(exc))
    row: dict[str, object] = {
        "id": item.id,
        "ecosystem": item.ecosystem,
        "name": item.name,
        "version": item.version,
        "path": str(item.archive) if item.archive else item.id,
        **item.extra,
        **asdict(result),
    }
    row["seconds"] = round(result.seconds, 3)
    return row


def done_ids(out: Path) -> set[str]:
    if not out.exists():
        return set()
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line]
    return {str(r["id"]) for r in rows}


def run_set(items: list[Item], out: Path, jobs: int, timeout: float) -> None:
    """Scan the items not yet in `out`, appending one JSON line per item as each finishes."""
    seen = done_ids(out)
    todo = [i for i in items if i.id not in seen]
    print(f"{len(seen)} already in {out}, {len(todo)} to scan", file=sys.stderr, flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    version = guarddog_version()
    with out.open("a", encoding="utf-8") as fh, ThreadPoolExecutor(max_workers=jobs) as pool:
        futures: list[Future[dict[str, object]]] = [
            pool.submit(scan_item, item, timeout) for item in todo
        ]
        for n, fut in enumerate(futures, 1):
            row = fut.result()
            row["tool"] = f"guarddog {version}"
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
            if n % 25 == 0:
                print(f"{n}/{len(todo)} scanned", file=sys.stderr, flush=True)


def summarize(out: Path) -> str:
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line]
    labels = Counter(str(r["label"]) for r in rows)
    n = len(rows) or 1
    secs = sorted(float(r["seconds"]) for r in rows if r["label"] != "error") or [0.0]
    return (
        f"{out.name}: {len(rows)} scanned; block {labels['block']} ({labels['block'] / n:.1%}), "
        f"warn+block {labels['block'] + labels['warn']} "
        f"({(labels['block'] + labels['warn']) / n:.1%}), pass {labels['pass']}, "
        f"error {labels['error']}; median {secs[len(secs) // 2]:.2f}s/package"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--set", choices=("malware", "benign"), required=True)
    ap.add_argument("--ecosystem", choices=ECOSYSTEMS, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--zip", default=DEFAULT_ZIP)
    ap.add_argument("--manifest", type=Path, default=Path(DEFAULT_MANIFEST))
    ap.add_argument("--id-prefix", default="", help='e.g. "wide:" for the long-tail benign set')
    ap.add_argument("--summary", action="store_true", help="only summarize --out")
    args = ap.parse_args(argv)
    if not args.summary:
        if args.set == "malware":
            items = list(malware_items(args.zip, args.ecosystem))
        elif args.manifest.exists():
            items = list(benign_items(args.manifest, args.ecosystem, args.id_prefix))
        else:
            print(f"error: no benign manifest {str(args.manifest)!r}", file=sys.stderr)
            return 2
        run_set(items[: args.limit], args.out, max(1, args.jobs), args.timeout)
    print(summarize(args.out) if args.out.exists() else "nothing scanned yet")
    return 0


if __name__ == "__main__":
    sys.exit(main())
