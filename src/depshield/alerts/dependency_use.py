"""missingDependency and unusedDependency: the packages npm code loads against the ones its
package.json declares."""

from __future__ import annotations

from collections.abc import Sequence

from depshield.analyzers.base import SIGNAL_PACKAGE
from depshield.ecosystems.base import ManifestAnalysis
from depshield.model import FileAnalysis, Finding

# Declared fields that make a loaded package available to the code at run time.
PROVIDING = ("dependencies", "peerDependencies", "optionalDependencies")


def dependency_findings(
    manifest: ManifestAnalysis, files: Sequence[FileAnalysis], running: frozenset[str]
) -> list[Finding]:
    """`running`: the files that run for the package's users (install or import reachable);
    a test or an example may load what only its developers install."""
    loads = [
        (fa.path, f)
        for fa in files
        if fa.language in ("javascript", "typescript")
        for f in fa.findings
        if f.type == SIGNAL_PACKAGE
    ]
    if not loads or "dependencies" not in manifest.extra:
        return []  # no JavaScript that loads packages, or not an npm manifest
    declared = {name for field in PROVIDING for name in manifest.extra.get(field) or {}}
    out: list[Finding] = []
    reported: set[str] = set()
    for path, f in loads:
        name = str(f.props.get("package", ""))
        if path in running and name not in declared | reported and name != manifest.name:
            reported.add(name)
            out.append(Finding("missingDependency", path, f.line, name, {"dependency": name}))
    loaded = {str(f.props.get("package", "")) for _, f in loads}
    scripts = " ".join(str(v) for v in (manifest.extra.get("scripts") or {}).values())
    lines = manifest.extra.get("dependency_lines") or {}
    for name in manifest.extra.get("dependencies") or {}:
        # Type packages and tools a script runs (`node-gyp rebuild`) are used without a load.
        if name not in loaded and not name.startswith("@types/") and name not in scripts:
            line = int(lines.get(name, 0))
            out.append(
                Finding("unusedDependency", "package.json", line, name, {"dependency": name})
            )
    return out
