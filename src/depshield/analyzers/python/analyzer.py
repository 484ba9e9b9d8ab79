"""The Python source analyzer: .py/.pyw modules and the import lines of .pth files."""

from __future__ import annotations

import posixpath

from depshield.analyzers import budget
from depshield.analyzers.python.analysis import analyze_tree, parse
from depshield.analyzers.python.emit import Emitter
from depshield.analyzers.python.fallback import TREE_SITTER_MAX, Fallback, scan_lines
from depshield.analyzers.python.family import CALL_NAME_TYPES, RULES
from depshield.analyzers.python.obfuscation import pyarmor_line
from depshield.analyzers.python.source import count_loc, decode_source, pth_has_code, pth_source
from depshield.analyzers.shell.family import TYPES as SHELL_TYPES
from depshield.analyzers.strings import LITERAL_TYPES
from depshield.gcpause import paused_gc
from depshield.model import FileAnalysis

# Past this size a file is parsed with ast only when it is not dense code: a 10 MB module
# costs ~7 s and ~1 GB in ast, while a 10 MB single literal costs almost nothing.
_AST_FREE_SIZE = 1_500_000
_AST_MAX_DENSITY = 300_000


class PythonAnalyzer:
    """Capabilities, payloads and install-time behaviour of Python source."""

    name = "python"
    version = "2"  # 2: droppers, beacons, secrets, autostart entries, docstrings quiet

    def wants(self, path: str) -> bool:
        return path.lower().endswith((".py", ".pyw", ".pth"))

    def analyze(self, path: str, data: bytes) -> FileAnalysis:
        out = Emitter(path, [])
        try:
            return self._analyze(path, data, out)
        except Exception as exc:  # last resort: bad input must never escape as a traceback
            return FileAnalysis(
                path,
                "python",
                tuple(out.findings),
                skipped=f"python analysis failed: {type(exc).__name__}",
            )

    def _analyze(self, path: str, data: bytes, out: Emitter) -> FileAnalysis:
        text = decode_source(data)
        base = posixpath.basename(path)
        is_pth = base.lower().endswith(".pth")
        if is_pth and not pth_has_code(text):
            return FileAnalysis(path, "pth")
        code = pth_source(text) if is_pth else text
        out.lines = code.splitlines()
        is_setup = base == "setup.py"
        if is_pth:
            with out.rule(RULES["python.pth"]):
                _pth_finding(out, code, path)
        language, imports, skipped = self._run(code, out, is_setup)
        return FileAnalysis(
            path,
            language,
            tuple(out.findings),
            tuple(dict.fromkeys(imports)),
            count_loc(code),
            skipped,
        )

    def _run(self, code: str, out: Emitter, is_setup: bool) -> tuple[str, list[str], str | None]:
        if len(code) > _AST_FREE_SIZE and _density(code) > _AST_MAX_DENSITY:
            big = budget.too_large(len(code), _AST_FREE_SIZE, "line scan only")
            return (*_fallback(code, out, is_setup, huge=True), big)
        try:
            tree = parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            reason = _too_deep(exc)
            return (*_fallback(code, out, is_setup, python2=_looks_python2(exc)), reason)
        try:
            with paused_gc():
                index = analyze_tree(tree, out, is_setup, code)
        except (RecursionError, MemoryError) as exc:
            return (*_fallback(code, out, is_setup), budget.too_deep(type(exc).__name__))
        return "python", index.relative_imports, None


def _density(code: str) -> int:
    """A cheap stand-in for the number of AST nodes."""
    return code.count("\n") + code.count("(") + code.count(",") + code.count("=")


def _too_deep(exc: BaseException) -> str | None:
    """Nesting the parser refuses is a budget skip; other syntax errors are Python 2 or broken
    code, which the fallback reads as well as it can."""
    if isinstance(exc, (RecursionError, MemoryError)):
        return budget.too_deep(type(exc).__name__)
    message = str(exc)
    if message.startswith(("too many nested", "too many statically nested", "too many levels")):
        return budget.too_deep(message.split(" (")[0][:80])
    return None


def _looks_python2(exc: BaseException) -> bool:
    message = str(exc)
    return "Missing parentheses in call to" in message


def _fallback(
    code: str, out: Emitter, is_setup: bool, huge: bool = False, python2: bool = False
) -> tuple[str, list[str]]:
    with out.rule(RULES["python.fallback"]):
        fb = _unparsed(code, out, is_setup, huge)
    with out.rule(RULES["python.pyarmor"]):
        _pyarmor(code, fb.out)
    return ("python2?" if python2 or fb.python2 else "python?"), fb.imports


# What the fallback reads of a file `ast` cannot parse: call names, exec statements, literals.
_UNPARSED_TYPES = (
    CALL_NAME_TYPES
    | SHELL_TYPES
    | LITERAL_TYPES
    | {"usesEval", "encodedPayloadExecution", "remoteCodeDownload"}
)


@RULES.rule("python.fallback", reads="lines", emits=_UNPARSED_TYPES)
def _unparsed(code: str, out: Emitter, is_setup: bool, huge: bool) -> Fallback:
    """Code `ast` cannot parse, through tree-sitter-python, else a line scan (fallback.py)."""
    fb = Fallback(out.derived({"fallback": "tree-sitter"}), is_setup)
    done = False
    if not huge and len(code) <= TREE_SITTER_MAX:
        from depshield.analyzers.python.treesitter import scan_tree

        try:
            done = scan_tree(fb, code.replace("\x00", " ").encode("utf-8", "surrogatepass"))
        except Exception:  # a tree-sitter failure leaves the line scan
            done = False
    if not done:
        fb = Fallback(out.derived({"fallback": "regex"}), is_setup)
        scan_lines(fb, code.replace("\x00", " "))
    return fb


@RULES.rule("python.pyarmor", reads="lines", emits={"obfuscatedFile"})
def _pyarmor(code: str, out: Emitter) -> None:
    """A PyArmor-protected module (its runtime's marker line) that `ast` could not read."""
    line = pyarmor_line(code)
    if line is not None:
        text = out.lines[line - 1].strip()[:120] if line <= len(out.lines) else ""
        props = {"confidence": 0.95, "reason": "pyarmor"}
        out.add("obfuscatedFile", line, 1, text, True, props, ("obfuscated",))


@RULES.rule("python.pth", reads="lines", emits={"installScripts"})
def _pth_finding(out: Emitter, code: str, path: str) -> None:
    """A .pth import line runs at every interpreter start: install-time code in effect."""
    for number, line in enumerate(code.splitlines(), 1):
        if line:
            props = {"script": f"pth:{posixpath.basename(path)}", "source": path}
            out.add("installScripts", number, 1, line.strip()[:120], True, props, ("pth",))
            return
