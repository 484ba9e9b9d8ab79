"""Code a Python distribution runs at build/install time: setup.py, in-tree backends, build
hooks, and `.pth` files that run at every interpreter start."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from depshield.ecosystems.pypi.metadata_files import line_of_key
from depshield.model import Finding

PYPROJECT = "pyproject.toml"
# site.py executes a .pth line that starts with "import" followed by a space or a tab.
_PTH_EXEC = ("import ", "import\t")
_SDIST_PTH = re.compile(r"^[^/]+\.pth$")
# A wheel's root and its purelib/platlib data both land in site-packages, where .pth files run.
_WHEEL_PTH = re.compile(r"^(?:[^/]+\.data/(?:purelib|platlib)/)?[^/]+\.pth$")


@dataclass(frozen=True, slots=True)
class InstallCode:
    findings: tuple[Finding, ...] = ()
    entries: tuple[str, ...] = ()


def install_code(
    kind: str, files: Mapping[str, bytes], paths: Collection[str], pyproject: Mapping[str, Any]
) -> InstallCode:
    """installScripts findings and install-time entry files for a wheel or an sdist."""
    findings: list[Finding] = []
    entries: list[str] = []
    for path, finding in _pth_files(kind, files):
        findings.append(finding)
        entries.append(path)
    if kind == "sdist":
        if "setup.py" in paths:
            # setup.py runs on every sdist build; the Python analyzer reports what it does.
            entries.append("setup.py")
        text = files.get(PYPROJECT, b"").decode("utf-8", "replace")
        for finding, files_run in _build_code(pyproject, paths, text):
            findings.append(finding)
            entries.extend(files_run)
    return InstallCode(tuple(findings), tuple(dict.fromkeys(entries)))


def _pth_files(kind: str, files: Mapping[str, bytes]) -> Iterator[tuple[str, Finding]]:
    pattern = _WHEEL_PTH if kind == "wheel" else _SDIST_PTH
    for path in sorted(files):
        if not pattern.match(path):
            continue
        text = files[path].decode("utf-8", "replace")
        for number, line in enumerate(text.splitlines(), 1):
            if line.startswith(_PTH_EXEC):
                props = {"script": ".pth", "source": line.strip()[:500]}
                yield path, Finding("installScripts", path, number, line.strip()[:200], props, True)
                break


def _build_code(
    pyproject: Mapping[str, Any], paths: Collection[str], text: str
) -> Iterator[tuple[Finding, list[str]]]:
    """In-tree build backends (PEP 517 `backend-path`) and the hooks build backends import."""
    build = pyproject.get("build-system")
    build = build if isinstance(build, dict) else {}
    backend = build.get("build-backend")
    backend = backend if isinstance(backend, str) else ""
    in_tree = _in_tree_backend(backend, build.get("backend-path"), paths)
    if in_tree:
        yield (
            _finding("build-backend", backend, line_of_key(text, "build-backend", "build-system")),
            in_tree,
        )
    tool = pyproject.get("tool")
    tool = tool if isinstance(tool, dict) else {}
    if backend.startswith("hatchling"):
        for hook_path in _hatch_hooks(tool.get("hatch")):
            if hook_path in paths:
                line = _table_line(text, "hooks.custom")
                yield _finding("hatch-build-hook", hook_path, line), [hook_path]
    if backend.startswith("pdm.backend") and "pdm_build.py" in paths:
        # pdm-backend imports pdm_build.py from the project root by default.
        yield (
            _finding(
                "pdm-build-hook", "pdm_build.py", line_of_key(text, "build-backend", "build-system")
            ),
            ["pdm_build.py"],
        )


def _finding(script: str, source: str, line: int) -> Finding:
    props = {"script": script, "source": source}
    return Finding("installScripts", PYPROJECT, line, source, props, True)


def _in_tree_backend(backend: str, backend_path: Any, paths: Collection[str]) -> list[str]:
    """The backend module's files when it is found inside one of the `backend-path` folders."""
    if not backend or not isinstance(backend_path, list):
        return []
    module = backend.split(":", 1)[0].strip().replace(".", "/")
    found = []
    for folder in backend_path:
        if not isinstance(folder, str):
            continue
        base = posixpath.normpath(folder.replace("\\", "/"))
        prefix = "" if base == "." else f"{base}/"
        for candidate in (f"{prefix}{module}.py", f"{prefix}{module}/__init__.py"):
            if candidate in paths:
                found.append(candidate)
    return found


def _hatch_hooks(hatch: Any) -> Iterator[str]:
    """Paths of hatch's custom build and metadata hooks (`hatch_build.py` unless `path` says)."""
    if not isinstance(hatch, dict):
        return
    tables: list[Any] = []
    for section in ("build", "metadata"):
        part = hatch.get(section)
        if isinstance(part, dict):
            tables.append(part.get("hooks"))
            targets = part.get("targets")
            for target in targets.values() if isinstance(targets, dict) else ():
                tables.append(target.get("hooks") if isinstance(target, dict) else None)
    for hooks in tables:
        custom = hooks.get("custom") if isinstance(hooks, dict) else None
        if isinstance(custom, dict):
            path = custom.get("path", "hatch_build.py")
            if isinstance(path, str):
                yield posixpath.normpath(path)


def _table_line(text: str, suffix: str) -> int:
    match = re.search(rf"^\[[^\]]*{re.escape(suffix)}\]", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 0
