"""When code runs: follow relative imports from install-time and import-time entry files."""

from __future__ import annotations

import posixpath
from collections import deque
from collections.abc import Iterable, Mapping

from depshield.model import Finding, When

_JS_SUFFIXES = ("", ".js", ".cjs", ".mjs", ".json", ".ts", ".tsx", ".jsx", ".node")
_TS_SOURCE_OF = {"js": ("ts", "tsx"), "mjs": ("mts",), "cjs": ("cts",), "jsx": ("tsx",)}
_JS_INDEXES = ("/index.js", "/index.cjs", "/index.mjs", "/index.json", "/index.ts")


def resolve_import(spec: str, importer: str, paths: frozenset[str]) -> str | None:
    """The member a relative specifier names, or None when the package does not contain it."""
    if importer.endswith((".py", ".pyw")) and "/" not in spec:
        # Python names modules with dots; a `./x` path is a shipped file the module starts as
        # a process (`subprocess.run(["sh", "build.sh"])`, see links.import_graph).
        return _resolve_python(spec, importer, paths)
    base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
    if base == ".":
        base = ""
    for suffix in _JS_SUFFIXES:
        if base and base + suffix in paths:
            return base + suffix
    stem, dot, ext = base.rpartition(".")
    if dot and ext in _TS_SOURCE_OF:  # TypeScript imports name the compiled file: './x.js'
        for source in _TS_SOURCE_OF[ext]:
            if f"{stem}.{source}" in paths:
                return f"{stem}.{source}"
    prefix = base + "/" if base else ""
    for index in _JS_INDEXES:
        if prefix + index.lstrip("/") in paths:
            return prefix + index.lstrip("/")
    # A directory with its own package.json ("main" elsewhere), the package root included.
    if prefix + "package.json" in paths:
        return prefix + "package.json"
    return None


def _resolve_python(spec: str, importer: str, paths: frozenset[str]) -> str | None:
    dots = len(spec) - len(spec.lstrip("."))
    package = posixpath.dirname(importer)
    for _ in range(max(dots - 1, 0)):
        package = posixpath.dirname(package)
    rest = spec[dots:].replace(".", "/")
    base = posixpath.join(package, rest) if rest else package
    for candidate in (base + ".py", base + "/__init__.py"):
        candidate = posixpath.normpath(candidate)
        if candidate in paths:
            return candidate
    return None


def reachable(
    entries: Iterable[str], imports: Mapping[str, tuple[str, ...]], paths: frozenset[str]
) -> set[str]:
    """Every file reachable from `entries` through relative imports (breadth first)."""
    seen: set[str] = set()
    queue = deque(e for e in entries if e in paths)
    while queue:
        current = queue.popleft()
        if current in seen:
            continue
        seen.add(current)
        for spec in imports.get(current, ()):
            target = resolve_import(spec, current, paths)
            if target is not None and target not in seen:
                queue.append(target)
    return seen


class Timing:
    """Answers `when does this finding's code run?` for one package."""

    def __init__(self, install_files: set[str], import_files: set[str]) -> None:
        self.install_files = install_files
        self.import_files = import_files

    def when(self, finding: Finding) -> When:
        if finding.file in self.install_files or finding.file == "package.json":
            return When.INSTALL
        if finding.top_level and finding.file in self.import_files:
            return When.IMPORT
        return When.CALL
