"""Analysis of Python that `ast` cannot parse (Python 2, syntax errors, absurd nesting, huge files).

Less precise than the ast path: names resolve only through import statements and findings
carry props {"fallback": "tree-sitter"} or {"fallback": "regex"}.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from depshield.analyzers import shell, strings
from depshield.analyzers.base import SIGNAL_EXEC, SIGNAL_SPAWN
from depshield.analyzers.python.emit import Emitter
from depshield.analyzers.python.rules import classify_call
from depshield.analyzers.python.source import snippet

# Beyond this, even tree-sitter's tree is walked too slowly from Python: scan lines instead.
TREE_SITTER_MAX = 2_000_000
_DUNDER_IMPORT = re.compile(r"""__import__\(\s*['"]([\w.]+)['"]\s*\)""")
_DECODE = re.compile(
    r"b64decode|decodestring|decompress|fromhex|unhexlify|marshal\.loads"
    r"|\.decode\(\s*['\"](?:base64|hex|rot13|zlib)"
)
_DOWNLOAD = re.compile(r"urlopen|urlretrieve|requests\.get|httpx\.get")
_IMPORT = re.compile(r"^\s*import\s+([\w., \t]+)")
_FROM = re.compile(r"^\s*from\s+(\.*[\w.]*)\s+import\s+\(?([\w., \t*]+)")
_CALL = re.compile(
    r"((?:__import__\(\s*['\"][\w.]+['\"]\s*\)|[A-Za-z_][\w]*)(?:\s*\.\s*\w+)*)\s*\("
)
_STRING = re.compile(r""""((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'""")
_EXEC_STMT = re.compile(r"^\s*exec\s+(?![=(\s])\S")
_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s")


@dataclass
class Fallback:
    """What the fallback found: findings go to `out`; the rest fills FileAnalysis."""

    out: Emitter
    is_setup: bool
    aliases: dict[str, str] = field(default_factory=dict)
    imports: list[str] = field(default_factory=list)
    python2: bool = False

    def add_import(self, module: str, names: list[tuple[str, str | None]]) -> None:
        """`from module import name as alias` (module "" for a plain `import name as alias`)."""
        if module.startswith("."):
            dots = len(module) - len(module.lstrip("."))
            rest = module[dots:]
            self.imports.extend([module] if rest else [module + n for n, _ in names if n != "*"])
        for name, alias in names:
            if name == "*":
                continue
            if not module:
                self.aliases[alias or name.split(".")[0]] = name if alias else name.split(".")[0]
            else:
                self.aliases[alias or name] = f"{module}.{name}"

    def resolve(self, dotted: str) -> str:
        if "__import__" in dotted:
            dotted = _DUNDER_IMPORT.sub(lambda m: m.group(1), dotted)
        if " " in dotted or "\t" in dotted or "\n" in dotted:
            dotted = re.sub(r"\s+", "", dotted)
        head, _, rest = dotted.partition(".")
        base = self.aliases.get(head, head)
        name = f"{base}.{rest}" if rest else base
        for prefix in ("builtins.", "__builtin__.", "__builtins__."):
            name = name.removeprefix(prefix)
        return name

    def call(
        self, dotted: str, line: int, column: int, top: bool, args: str, literal: str | None
    ) -> None:
        """One call `dotted(args)`; `literal` is its first argument when that is a string."""
        name = self.resolve(dotted)
        hits = classify_call(name)
        for hit in hits:
            props: dict[str, Any] = dict(hit.props)
            if hit.type == SIGNAL_SPAWN and literal:
                props["command"] = literal[:200]
            self.emit(hit.type, line, column, top, props)
        if any(h.type == SIGNAL_SPAWN for h in hits) and literal:
            self.out.extend(shell.analyze_shell(literal, self.out.file, line - 1, top))
        if any(h.type == SIGNAL_EXEC for h in hits):
            self.payload(line, column, top, args, name)

    def payload(self, line: int, column: int, top: bool, args: str, sink: str) -> None:
        if _DECODE.search(args):
            self.emit("encodedPayloadExecution", line, column, top, {"sink": sink})
        if _DOWNLOAD.search(args):
            self.emit("remoteCodeDownload", line, column, top, {"sink": sink})

    def exec_statement(self, line: int, column: int, top: bool, text: str) -> None:
        """Python 2 `exec "code"`."""
        self.python2 = True
        self.emit("usesEval", line, column, top, {"evalType": "exec"})
        self.emit(SIGNAL_EXEC, line, column, top, {"how": "exec"})
        self.payload(line, column, top, text, "exec")

    def literal(self, text: str, line: int, top: bool) -> None:
        if text:
            self.out.extend(strings.scan_literal(text, self.out.file, line, top))

    def emit(self, type_: str, line: int, column: int, top: bool, props: dict[str, Any]) -> None:
        source = self.out.lines[line - 1] if 0 < line <= len(self.out.lines) else ""
        key = ("fb", line, repr(sorted(props.items())))
        self.out.add(
            type_, line, column + 1, snippet(source, column), top or self.is_setup, props, key
        )


def exec_statements(fb: Fallback, text: str) -> None:
    """Python 2 `exec code` lines, which tree-sitter only recognises for a bare string."""
    for number, line in enumerate(text.splitlines(), 1):
        if _EXEC_STMT.match(line):
            fb.exec_statement(number, line.index("exec"), not line[:1].isspace(), line)


def scan_lines(fb: Fallback, text: str) -> None:
    """Line-by-line scan: imports, calls, strings, exec statements (no parser at all)."""
    def_indent: int | None = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)
        if def_indent is not None and indent <= def_indent:
            def_indent = None
        match = _DEF.match(line)
        if match and def_indent is None:
            def_indent = indent
        top = def_indent is None or (match is not None and indent == def_indent)
        _scan_line(fb, line, number, top)


def _scan_line(fb: Fallback, line: str, number: int, top: bool) -> None:
    stripped = line.lstrip()
    if stripped.startswith(("import", "from")):
        imp = _IMPORT.match(line)
        if imp:
            fb.add_import("", _names(imp.group(1)))
        frm = _FROM.match(line)
        if frm:
            fb.add_import(frm.group(1), _names(frm.group(2)))
    if stripped.startswith("exec") and _EXEC_STMT.match(line):
        fb.exec_statement(number, line.index("exec"), top, line)
    if stripped.startswith("print ") and not stripped.startswith("print ("):
        fb.python2 = True
    if "(" in line:
        for call in _CALL.finditer(line):
            if classify_call(fb.resolve(call.group(1))):  # cheap: arguments only when needed
                first = _STRING.match(line, _skip_spaces(line, call.end()))
                literal = (first.group(1) or first.group(2)) if first else None
                rest = line[call.end() : call.end() + 2000]
                fb.call(call.group(1), number, call.start(), top, rest, literal)
    if '"' in line or "'" in line:
        for string in _STRING.finditer(line):
            fb.literal(string.group(1) or string.group(2) or "", number, top)


def _skip_spaces(line: str, pos: int) -> int:
    while pos < len(line) and line[pos] in " \t":
        pos += 1
    return pos


def _names(text: str) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for part in text.split(","):
        words = part.split()
        if len(words) == 3 and words[1] == "as":
            out.append((words[0], words[2]))
        elif words:
            out.append((words[0], None))
    return out
