"""`depshield db import|update|status`: the local database of OSV vulnerabilities and malware."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from depshield.errors import UsageError

MAX_SKIPPED_SHOWN = 20


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "db",
        help="import and inspect the vulnerability and malware database (OSV records)",
        description=(
            "Keep a local SQLite database of OSV records (known vulnerabilities and, when you "
            "import a threat feed, known malicious packages) that package scans are matched "
            "against. Nothing is imported by default."
        ),
    )
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    imp = actions.add_parser(
        "import",
        help="import OSV records from zip exports, directories or JSON files",
        description="Import OSV records (an ecosystem all.zip, a directory of JSON, or a file).",
    )
    imp.add_argument("paths", nargs="+", metavar="PATH", help="all.zip, directory or .json")
    upd = actions.add_parser(
        "update",
        help="download and import {BASE}/{Ecosystem}/all.zip exports",
        description=(
            "Download each ecosystem's OSV export from {BASE}/{Ecosystem}/all.zip and import it. "
            "BASE comes from --base-url, DEPSHIELD_OSV_BASE_URL or osv-base-url under [vulns] "
            "in depshield.toml; there is no default address."
        ),
    )
    upd.add_argument(
        "--ecosystem",
        choices=["npm", "pypi"],
        action="append",
        help="only this ecosystem (repeatable; default: both)",
    )
    upd.add_argument("--base-url", metavar="URL", help="where the OSV exports are served")
    status = actions.add_parser("status", help="what the database holds")
    status.add_argument("--format", choices=["text", "json"], default="text")


def run(args: argparse.Namespace) -> int:
    if args.db_command == "import":
        return _import(args.paths)
    if args.db_command == "update":
        return _update(args.ecosystem or ["npm", "pypi"], args.base_url)
    return _status(args.format)


def _import(paths: Sequence[str]) -> int:
    from depshield.vulns.db import VulnStore
    from depshield.vulns.osv import import_paths

    resolved = [Path(p) for p in paths]
    for path in resolved:
        if not path.exists():
            raise UsageError(
                f"cannot import {str(path)!r}: no such file or directory",
                tip="give an OSV all.zip export, a directory of OSV JSON files or one JSON file",
            )
    store = VulnStore.open(create=True)
    try:
        summaries = import_paths(resolved, store)
    finally:
        store.close()
    _report(summaries, store.path)
    if not any(s.records for s in summaries):
        raise UsageError(
            f"no OSV records found in {', '.join(repr(p) for p in paths)}",
            tip="OSV records are JSON objects with id, modified and affected fields",
        )
    return 0


def _update(ecosystems: Sequence[str], base_url: str | None) -> int:
    from depshield.vulns import default_db_path
    from depshield.vulns.update import require_base_url, update

    base = require_base_url(base_url)
    unique = list(dict.fromkeys(ecosystems))
    summaries = update(unique, base)
    _report(summaries, default_db_path())
    return 0


def _report(summaries: Sequence[Any], db_path: Path) -> None:
    for summary in summaries:
        print(
            f"{summary.source}: {summary.records} records ({summary.new} new, "
            f"{summary.updated} updated, {summary.unchanged} unchanged)"
            + (f", {len(summary.skipped)} skipped" if summary.skipped else "")
        )
        for ecosystem, count in summary.per_ecosystem:
            print(f"  {ecosystem}: {count}")
        if summary.malicious:
            print(f"  malicious-package records: {summary.malicious}")
        for skipped in summary.skipped[:MAX_SKIPPED_SHOWN]:
            print(f"depshield: skipped {skipped.origin}: {skipped.reason}", file=sys.stderr)
        hidden = len(summary.skipped) - MAX_SKIPPED_SHOWN
        if hidden > 0:
            print(f"depshield: ... and {hidden} more skipped records", file=sys.stderr)
    print(f"database: {db_path}")


def _status(fmt: str) -> int:
    from depshield.vulns.match import db_status

    status = db_status()
    if fmt == "json":
        doc = {
            "path": str(status.path),
            "exists": status.exists,
            "records": status.records,
            "ecosystems": dict(status.per_ecosystem),
            "malicious": status.malicious,
            "withdrawn": status.withdrawn,
            "lastImport": status.last_import,
            "lastSources": list(status.sources),
        }
        print(json.dumps(doc, indent=2))
        return 0
    print(f"database: {status.path}")
    if status.empty:
        print("empty: known vulnerabilities and malware are not checked")
        print("Tip: run `depshield db import PATH` or `depshield db update`")
        return 0
    print(f"records: {status.records}")
    for ecosystem, count in status.per_ecosystem:
        print(f"  {ecosystem}: {count}")
    print(f"malicious-package records: {status.malicious}")
    print(f"withdrawn records (never matched): {status.withdrawn}")
    print(f"last import: {status.last_import or 'never'}")
    for source in status.sources:
        print(f"  from {source}")
    return 0
