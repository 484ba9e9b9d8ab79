"""A blocked release as an OSV record in the `MAL-` format of ossf/malicious-packages, written
to `<folder>/osv/malicious/<ecosystem>/<name>/<id>.json` and announced to a chat webhook."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from depshield.model import PackageResult
from depshield.net import user_agent
from depshield.vulns.base import osv_ecosystem_of


def mal_record(result: PackageResult, now: datetime | None = None) -> dict[str, Any]:
    """The record without its id (the store numbers it when it commits)."""
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    blocking = [a for a in result.alerts if a.action == "error"]
    details = "\n".join(
        f"- {a.type} at {a.file}:{a.line}: {a.message}" if a.file else f"- {a.type}: {a.message}"
        for a in blocking
    )
    ecosystem = osv_ecosystem_of(result.ref.ecosystem)
    origin: dict[str, Any] = {"source": "depshield", "import_time": when, "modified_time": when,
                              "versions": [result.ref.version]}  # fmt: skip
    if result.digest and result.digest.startswith("sha256-"):
        origin["sha256"] = result.digest.removeprefix("sha256-")
    return {
        "schema_version": "1.5.0",
        "modified": when,
        "published": when,
        "summary": f"Malicious code in {result.ref.name} ({ecosystem})",
        "details": "depshield's static analysis blocked this release:\n" + details,
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": result.ref.name},
                "versions": [result.ref.version],
            }
        ],
        "database_specific": {"malicious-packages-origins": [origin]},
    }


def write_record(folder: Path, record: dict[str, Any]) -> Path:
    """Atomic and idempotent: the same id always lands at the same path with the same bytes."""
    package = record["affected"][0]["package"]
    ecosystem = str(package["ecosystem"]).lower()  # the folder names: npm, pypi
    name = (
        package["name"].replace("/", "%2f") if package["name"].startswith("@") else package["name"]
    )
    target: Path = folder / "osv" / "malicious" / ecosystem / name / f"{record['id']}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".mal-")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(record, out, indent=2, sort_keys=True)
        out.write("\n")
    os.replace(tmp, target)
    return target


def announce(webhook: str, record: dict[str, Any]) -> None:
    """Slack-compatible JSON (`text`), which Slack, Mattermost and most chat webhooks accept."""
    import httpx

    package = record["affected"][0]["package"]
    text = (
        f":rotating_light: {record['id']}: {package['name']}@"
        f"{record['affected'][0]['versions'][0]} ({package['ecosystem']}) blocked by depshield\n"
        + record["details"]
    )
    reply = httpx.post(webhook, json={"text": text}, timeout=10.0,
                       headers={"User-Agent": user_agent()})  # fmt: skip
    reply.raise_for_status()
