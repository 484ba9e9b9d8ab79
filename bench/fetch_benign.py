"""Download the latest release of each benign benchmark package with depshield's own clients.

The registries are the ones this machine is configured for (npm's config, pip's index); files go
to `<out>/benign/{npm,pypi}/` with `<out>/benign/manifest.jsonl` listing them. Failures are rows
with an `error`, never fatal. Downloads land in the artifact store first, so a re-run only asks
the registries for metadata.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from depshield.ecosystems.base import FetchedArtifact
from depshield.ecosystems.npm import registry as npm_registry
from depshield.ecosystems.pypi import index as pypi_index
from depshield.errors import DepshieldError
from depshield.model import PackageRef
from depshield.net import make_client

CORPUS = Path("/work/shared/corpus")
DEFAULT_OUT = os.environ.get("DEPSHIELD_BENCH_DATA") or "/work/benchdata"


@dataclass(frozen=True)
class Job:
    ecosystem: str
    name: str


def read_names(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def destination(root: Path, artifact: FetchedArtifact) -> Path:
    if artifact.ref.ecosystem == "npm":
        stem = artifact.ref.name.replace("/", "__")
        return root / "npm" / f"{stem}@{artifact.ref.version}.tgz"
    return root / "pypi" / artifact.filename


def place(source: Path, target: Path) -> None:
    """Hard-link (or copy) from the store; atomic so an interrupted run leaves no partial file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()
        try:
            os.link(source, tmp)
        except OSError:
            shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def run_job(job: Job, root: Path, client: httpx.Client) -> dict[str, Any]:
    row: dict[str, Any] = {"ecosystem": job.ecosystem, "name": job.name}
    started = time.monotonic()
    try:
        ref = PackageRef(job.ecosystem, job.name)
        if job.ecosystem == "npm":
            artifact = npm_registry.fetch(ref, client=client)
        else:
            artifact = pypi_index.fetch(ref, artifact="default", client=client)[0]
        target = destination(root, artifact)
        place(artifact.path, target)
        row |= {
            "version": artifact.ref.version,
            "file": target.relative_to(root).as_posix(),
            "digest": artifact.digest,
            "kind": artifact.kind,
            "size": target.stat().st_size,
        }
    except DepshieldError as exc:
        row["error"] = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # a benchmark run records surprises instead of stopping
        row["error"] = f"unexpected {type(exc).__name__}: {exc}"
    row["seconds"] = round(time.monotonic() - started, 2)
    return row


def write_manifest(root: Path, rows: list[dict[str, Any]]) -> Path:
    manifest = root / "manifest.jsonl"
    rows = sorted(rows, key=lambda r: (r["ecosystem"], r["name"]))
    tmp = manifest.with_suffix(".jsonl.part")
    tmp.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows), encoding="utf-8")
    os.replace(tmp, manifest)
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--npm-list", type=Path, default=CORPUS / "benign-dev-npm.txt")
    ap.add_argument("--pypi-list", type=Path, default=CORPUS / "benign-dev-pypi.txt")
    ap.add_argument("--out", type=Path, default=Path(DEFAULT_OUT))
    ap.add_argument("--jobs", type=int, default=8)
    ap.add_argument("--limit", type=int, default=None, help="first N names of each list")
    args = ap.parse_args(argv)
    root = args.out / "benign"
    jobs = [Job("npm", n) for n in read_names(args.npm_list)[: args.limit]]
    jobs += [Job("pypi", n) for n in read_names(args.pypi_list)[: args.limit]]
    rows: list[dict[str, Any]] = []
    with make_client() as client, ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_job, job, root, client) for job in jobs]
        for number, future in enumerate(as_completed(futures), 1):
            row = future.result()
            rows.append(row)
            status = row.get("error") or f"{row['version']} {row['size']} bytes"
            print(f"[{number}/{len(jobs)}] {row['ecosystem']}:{row['name']} {status}", flush=True)
    manifest = write_manifest(root, rows)
    ok = Counter(r["ecosystem"] for r in rows if "error" not in r)
    failed = Counter(r["ecosystem"] for r in rows if "error" in r)
    for ecosystem in ("npm", "pypi"):
        print(f"{ecosystem}: {ok[ecosystem]} downloaded, {failed[ecosystem]} failed")
    print(f"manifest: {manifest}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
