"""Measure license findings on the benign benchmark artifacts (the 300 top npm and PyPI names).

Usage: .venv/bin/python bench/licenses.py [--benign /work/benchdata/benign] [--doc ...]

Artifacts come from bench/fetch_benign.py. They are read in place with depshield's own archive
reader and manifest readers; nothing is extracted or run.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from depshield.artifacts.archive import open_artifact  # noqa: E402
from depshield.artifacts.base import Member  # noqa: E402
from depshield.ecosystems.plugins import plugin  # noqa: E402
from depshield.errors import DepshieldError  # noqa: E402
from depshield.intel.license_text import license_files  # noqa: E402
from depshield.intel.licenses import license_findings  # noqa: E402
from depshield.model import Finding  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docs_section import machine_line, write_section  # noqa: E402

POLICY = ("MIT", "ISC", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "PSF-2.0", "MPL-2.0")


def findings_for(ecosystem: str, path: Path) -> list[Finding] | None:
    """License findings for one artifact, read the way the scan pipeline reads it."""
    eco = plugin(ecosystem)
    members: dict[str, bytes] = {}
    try:
        for item in open_artifact(path):
            if isinstance(item, Member):
                members[item.path] = item.data
    except DepshieldError:
        return None
    paths = list(members)
    manifest = eco.read_manifest({p: d for p, d in members.items() if eco.keeps(p)}, paths)
    texts = {p: members[p] for p in license_files(paths)}
    classifiers = manifest.extra.get("license_classifiers") or []
    return license_findings(
        ecosystem,
        manifest.license,
        classifiers,
        paths,
        texts,
        allowed=POLICY,
        manifest_text=_manifest_file(ecosystem, members),
    )


def _manifest_file(ecosystem: str, members: dict[str, bytes]) -> tuple[str, bytes] | None:
    if ecosystem == "npm":
        return ("package.json", members["package.json"]) if "package.json" in members else None
    metadata = sorted(p for p in members if re.fullmatch(r"[^/]+\.dist-info/METADATA", p))
    name = metadata[0] if metadata else "PKG-INFO"
    return (name, members[name]) if name in members else None


def report(benign: Path) -> str:
    lines = [machine_line(), "", "Command: `python bench/licenses.py`", ""]
    lines.append(f"Policy (`allowed`): {', '.join(POLICY)}.")
    lines.append("")
    for ecosystem in ("npm", "pypi"):
        counts: Counter[str] = Counter()
        names: dict[str, list[str]] = defaultdict(list)
        elapsed, done, unread = 0.0, 0, 0
        for artifact in sorted((benign / ecosystem).glob("*")):
            start = time.perf_counter()
            found = findings_for(ecosystem, artifact)
            elapsed += time.perf_counter() - start
            if found is None:
                unread += 1
                continue
            done += 1
            for kind in sorted({f.type for f in found}):
                counts[kind] += 1
                names[kind].append(artifact.name)
        lines.append(
            f"- {ecosystem}: {done} artifacts ({unread} unreadable); packages per finding type: "
            f"{dict(counts.most_common()) or 'none'}; "
            f"{elapsed / max(done, 1) * 1000:.0f} ms per artifact (archive read included)"
        )
        for kind in sorted(names):
            if kind != "ambiguousClassifier":
                lines.append(f"  - `{kind}`: {', '.join(names[kind])}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--benign", type=Path, default=Path("/work/benchdata/benign"))
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--print-only", action="store_true", help="do not write the doc")
    args = parser.parse_args()
    text = report(args.benign)
    print(text)
    if not args.print_only:
        write_section(args.doc, "licenses", "## Licenses\n\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
