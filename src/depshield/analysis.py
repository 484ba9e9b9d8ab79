"""Examine one artifact: a single streamed pass over its members, the result cached by digest
(judging it is judging.py; both together are api.analyze_artifact)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from depshield.artifacts.base import Limits, Refused
from depshield.ecosystems.base import ManifestAnalysis
from depshield.model import FileAnalysis, Finding, Override

FORMAT = 3  # bump when the cached shape changes (2: per-file content digests)


@dataclass(slots=True)
class Examined:
    """Everything the analyzers said about one artifact, before any policy is applied."""

    ecosystem: str
    manifest: ManifestAnalysis
    files: list[FileAnalysis] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    # path -> short content digest, so two versions can be compared file by file (diff.py).
    digests: dict[str, str] = field(default_factory=dict)


def examine(path: Path, ecosystem: str | None = None, limits: Limits | None = None) -> Examined:
    """Stream every member once: analyse it, keep the metadata files, drop the bytes."""
    from depshield.analyzers.registry import analyzers
    from depshield.artifacts.archive import open_artifact
    from depshield.ecosystems.plugins import plugin, plugins
    from depshield.intel.signals import wants_license_text, with_license_findings

    kept: dict[str, bytes] = {}
    license_texts: dict[str, bytes] = {}
    files: list[FileAnalysis] = []
    paths: list[str] = []
    refused: list[Refused] = []
    digests: dict[str, str] = {}
    # A known ecosystem keeps only its own metadata files (no other plug-in's imports).
    keepers = [plugin(ecosystem)] if ecosystem else list(plugins().values())
    table = analyzers()
    for item in open_artifact(path, limits or Limits()):
        if isinstance(item, Refused):
            refused.append(item)
            continue
        paths.append(item.path)
        digests[item.path] = content_digest(item.data)
        if any(p.keeps(item.path) for p in keepers):
            kept[item.path] = item.data
        if item.path.count("/") <= 2 and wants_license_text(item.path):
            license_texts[item.path] = item.data[: 256 * 1024]
        for analyzer in table:
            if analyzer.wants(item.path):
                files.append(analyzer.analyze(item.path, item.data))
    eco = ecosystem or detect_ecosystem(path, kept, paths)
    manifest = plugin(eco).read_manifest(kept, paths)
    manifest = with_license_findings(eco, manifest, paths, license_texts, kept)
    return Examined(eco, manifest, files, paths, refused, digests)


def content_digest(data: bytes) -> str:
    """128 bits of BLAKE2b: enough to tell changed files apart, half the size of a sha256."""
    import hashlib

    return hashlib.blake2b(data, digest_size=16).hexdigest()


def detect_ecosystem(path: Path, kept: dict[str, bytes], paths: list[str]) -> str:
    """Which ecosystem an artifact belongs to, from its name and its metadata files: the plug-in
    with the strongest evidence, the table's first on a tie."""
    from depshield.ecosystems.plugins import plugins

    table = plugins()
    return max(table, key=lambda name: table[name].artifact_evidence(path.name, kept, paths))


def cache_key(ecosystem: str | None) -> str:
    """Analysis results are reused only by the same code reading as the same ecosystem."""
    from depshield.code_digest import code_digest

    return f"{FORMAT}:{ecosystem or '-'}:{code_digest()}"


def encode(examined: Examined) -> dict[str, Any]:
    return asdict(examined)


def _finding(data: dict[str, Any]) -> Finding:
    override = data.get("override")
    if override is None:
        return Finding(**data)
    return Finding(**{**data, "override": Override(**override)})


def decode(payload: dict[str, Any]) -> Examined | None:
    try:
        m = payload["manifest"]
        manifest = ManifestAnalysis(
            name=m["name"],
            version=m["version"],
            findings=tuple(_finding(f) for f in m["findings"]),
            install_entries=tuple(m["install_entries"]),
            import_entries=tuple(m["import_entries"]),
            license=m["license"],
            extra=m["extra"],
        )
        files = [
            FileAnalysis(
                path=f["path"],
                language=f["language"],
                findings=tuple(_finding(x) for x in f["findings"]),
                imports=tuple(f["imports"]),
                lines_of_code=f["lines_of_code"],
                skipped=f["skipped"],
                optional_imports=tuple(f.get("optional_imports", ())),
            )
            for f in payload["files"]
        ]
        refused = [Refused(**r) for r in payload["refused"]]
        digests = dict(payload["digests"])
        return Examined(payload["ecosystem"], manifest, files, payload["paths"], refused, digests)
    except (KeyError, TypeError, ValueError):
        return None  # an entry from an older shape is a miss
