"""How a package's files reach each other: imports, processes started on shipped files, and
install entries the manifest names under a path the archive does not have."""

from __future__ import annotations

import posixpath
import shlex
from collections import defaultdict
from collections.abc import Iterable, Sequence

from depshield.analyzers.base import SIGNAL_SPAWN
from depshield.model import FileAnalysis, Finding

INTERPRETERS = frozenset(
    {
        "node",
        "nodejs",
        "python",
        "python3",
        "sh",
        "bash",
        "zsh",
        "bun",
        "deno",
        "cmd",
        "powershell",
        "pwsh",
        "wscript",
        "cscript",
    }
)


def import_graph(
    files: Sequence[FileAnalysis], paths: frozenset[str]
) -> dict[str, tuple[str, ...]]:
    """file -> relative specifiers it loads, plus `./x` for shipped files it starts as a process
    (`exec('node main.js')`, `spawn('sh', ['build.sh'])`): code run that way runs just as surely."""
    graph: dict[str, tuple[str, ...]] = defaultdict(tuple)
    for fa in files:
        graph[fa.path] += fa.imports
        started = [t for f in fa.findings if f.type == SIGNAL_SPAWN for t in _targets(f, paths)]
        graph[fa.path] += tuple(_relative(fa.path, t) for t in started)
    return graph


def started_files(findings: Iterable[Finding], paths: frozenset[str]) -> list[str]:
    """Shipped files that the given spawn findings start (package.json scripts included)."""
    return [t for f in findings if f.type == SIGNAL_SPAWN for t in _targets(f, paths)]


def _targets(finding: Finding, paths: frozenset[str]) -> list[str]:
    words = _words(finding)
    out = []
    for word in words:
        target = locate(word, paths)
        if target is not None:
            out.append(target)
    return out


def _words(finding: Finding) -> list[str]:
    command = str(finding.props.get("command") or "")
    args = finding.props.get("args")
    words = [command]
    if isinstance(args, str):
        try:
            words += shlex.split(args)
        except ValueError:
            words += args.split()
    elif isinstance(args, (list, tuple)):
        words += [str(a) for a in args]
    return [w for w in words if w and not w.startswith("-") and w not in INTERPRETERS]


def locate(word: str, paths: frozenset[str]) -> str | None:
    """A shipped file named by `word` ("./x.js", "x", "lib/x.js"); by basename when unique."""
    clean = posixpath.normpath(word.replace("\\", "/")).lstrip("/")
    if clean.startswith("../") or clean in ("", "."):
        return None
    for candidate in (clean, clean + ".js", clean + "/index.js"):
        if candidate in paths:
            return candidate
    base = posixpath.basename(clean)
    if "." not in base:
        return None
    matches = [p for p in paths if posixpath.basename(p) == base]
    return matches[0] if len(matches) == 1 else None


def install_entries(
    declared: Sequence[str], missing: Sequence[str], paths: frozenset[str]
) -> list[str]:
    """The manifest's install entries, plus missing ones found elsewhere by unique basename
    (flattened or re-packed archives move files; the script still runs whatever it finds)."""
    found = [e for e in declared if e in paths]
    for entry in missing:
        target = locate(entry, paths)
        if target is not None:
            found.append(target)
    return found


def _relative(importer: str, target: str) -> str:
    rel = posixpath.relpath(target, posixpath.dirname(importer) or ".")
    return rel if rel.startswith(".") else "./" + rel
