"""Per-file analysis state: source, captures, scopes, resolver and the capped finding collector."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from depshield.analyzers.base import SIGNAL_DECODE, SIGNAL_DOWNLOAD, SIGNAL_EXEC, SIGNALS
from depshield.analyzers.javascript import text as js_text
from depshield.analyzers.javascript.bindings import Bindings
from depshield.analyzers.javascript.fold import Folder
from depshield.analyzers.javascript.resolve import Resolver
from depshield.analyzers.javascript.scope import PROGRAM, Scopes
from depshield.analyzers.rule import Collector as RuleCollector
from depshield.model import Finding

if TYPE_CHECKING:
    from collections.abc import Callable

    from tree_sitter import Node

    from depshield.analyzers.javascript.obfuscation import Verdict

MAX_PER_TYPE = 20  # findings of one type (one signal kind) per file: bundles stay bounded
MAX_SITES = 200  # download / exec / spawn sites remembered for the flow rules
# Signals the judge pairs by proximity (alerts/threats.py): they carry the byte ranges of the
# functions they sit in (`fn`, innermost first, then the file) and their own byte offset
# (`at`), since on a minified line the line says nothing about which code runs together.
MAX_SPANS = 8
_PLACED = frozenset({SIGNAL_DOWNLOAD, SIGNAL_EXEC, SIGNAL_DECODE})


class Collector(RuleCollector):
    """Findings of one file: one per (type, key, line), at most MAX_PER_TYPE per type."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[tuple[str, str, int]] = set()
        self._count: Counter[tuple[str, str]] = Counter()
        self._env: dict[int, tuple[list[str], Finding]] = {}

    @staticmethod
    def _group(f: Finding) -> str:
        return str(f.props.get("kind", "")) if f.type in SIGNALS else ""

    def full(self, type_: str, group: str = "") -> bool:
        return self._count[(type_, group)] >= MAX_PER_TYPE

    def add(self, finding: Finding, key: str = "") -> bool:
        """Keep `finding` unless it repeats one already kept or its type is at its cap."""
        self.check(finding.type)
        group = self._group(finding)
        seen = (finding.type, key or group, finding.line)
        if seen in self._seen or self.full(finding.type, group):
            return False
        self._seen.add(seen)
        self._count[(finding.type, group)] += 1
        self.findings.append(finding)
        return True

    def discard(self, unwanted: Callable[[Finding], bool]) -> None:
        """Drop the findings a later, file-wide look shows to be something else."""
        self.findings = [f for f in self.findings if not unwanted(f)]

    def extend(self, findings: list[Finding]) -> None:
        for f in findings:
            self.add(f, f"{f.evidence}|{f.props.get('kind', '')}")

    def env_read(self, name: str | None, finding: Finding) -> None:
        """process.env reads merge into one envVars finding per line."""
        self.check(finding.type)
        entry = self._env.get(finding.line)
        if entry is None:
            if len(self._env) >= MAX_PER_TYPE:
                return
            entry = self._env[finding.line] = ([], finding)
        if name and name not in entry[0]:
            entry[0].append(name)

    def result(self) -> tuple[Finding, ...]:
        env = [
            Finding(
                f.type,
                f.file,
                f.line,
                f.evidence,
                {"envVars": sorted(names)},
                f.top_level,
                f.column,
            )
            for names, f in self._env.values()
        ]
        return tuple(sorted([*self.findings, *env], key=lambda f: (f.line, f.column, f.type)))


@dataclass(slots=True)
class Sites:
    """Call sites the flow rules (javascript/threats) look at after the calls pass."""

    downloads: list[Node] = field(default_factory=list)
    execs: list[Node] = field(default_factory=list)
    shells: list[tuple[Node, str]] = field(default_factory=list)
    spawns: list[Node] = field(default_factory=list)  # process starts with a computed command
    writes: list[Node] = field(default_factory=list)  # fs writes (createWriteStream, writeFile)
    sinks: list[Node] = field(default_factory=list)  # requests, sockets, webhooks
    sockets: list[Node] = field(default_factory=list)
    fs_lists: set[int] = field(default_factory=set)  # scopes that list directories
    fs_destroys: set[int] = field(default_factory=set)  # scopes that write or delete files
    self_calls: set[int] = field(default_factory=set)  # functions that call themselves
    calls_to: list[tuple[Node, int]] = field(default_factory=list)  # local calls in downloads

    def remember(self, sites: list[Any], item: Any) -> None:
        if len(sites) < MAX_SITES:
            sites.append(item)


class JsContext:
    """Everything the rules need about one parsed file."""

    def __init__(self, path: str, source: bytes, caps: dict[str, list[Node]], text: str) -> None:
        self.path = path
        self.full_text = text
        self.source = source
        self.caps = caps
        self.scopes = Scopes((n.start_byte, n.end_byte) for n in caps.get("fn", ()))
        self.bindings = Bindings(source, self.scopes)
        self.folder = Folder(self.bindings)
        self.resolver = Resolver(self.bindings, self.folder)
        self.folder.resolver = self.resolver
        self.out = Collector()
        self.sites = Sites()
        self.imports: dict[str, None] = {}  # an ordered set: 100,000 requires stay linear
        self.unguarded: set[str] = set()  # of those, the ones loaded outside a try/catch too
        self.skipped: str | None = None  # why part of the file was not analysed (budget.py)
        # What the file-wide rules after the node rules read (javascript/__init__.py).
        self.grammar = "javascript"
        self.language = "javascript"
        self.depth = 0  # packed code inside packed code
        self.whole: Verdict | None = None  # the verdict on the whole of an over-budget file
        self.verdict = True  # False for the later parts of a file read in parts
        self._env_option_names: set[str] | None = None
        self._functions: dict[tuple[int, int], Node] | None = None

    def text(self, node: Node) -> str:
        return self.bindings.text(node)

    def top(self, node: Node) -> bool:
        return self.scopes.top_level(node.start_byte)

    def evidence(self, node: Node) -> str:
        return js_text.evidence(self.source, node.start_byte, node.end_byte)

    def finding(self, type_: str, node: Node, props: dict[str, Any] | None = None) -> Finding:
        row, col = node.start_point
        props = props or {}
        if type_ in _PLACED:
            props = {**props, "fn": self.function_spans(node.start_byte), "at": node.start_byte}
        return Finding(
            type_, self.path, row + 1, self.evidence(node), props, self.top(node), col + 1
        )

    def function_spans(self, pos: int) -> list[list[int]]:
        """[start, end) bytes of the functions around `pos`, innermost first (at most
        MAX_SPANS), always ending with the whole file."""
        spans: list[list[int]] = []
        for scope in self.scopes.chain(self.scopes.innermost(pos)):
            if scope == PROGRAM or len(spans) >= MAX_SPANS:
                break
            spans.append([self.scopes.starts[scope], self.scopes.ends[scope]])
        return [*spans, [0, len(self.source)]]

    def emit(
        self, type_: str, node: Node, props: dict[str, Any] | None = None, key: str = ""
    ) -> None:
        self.out.check(type_)
        if not self.out.full(type_, str((props or {}).get("kind", ""))):
            self.out.add(self.finding(type_, node, props), key)

    def args(self, call: Node) -> list[Node]:
        args = call.child_by_field_name("arguments")
        return [a for a in args.named_children if a.type != "comment"] if args else []

    def function_at(self, start: int, end: int) -> Node | None:
        """The function node spanning exactly [start, end) (a scope of `self.scopes`)."""
        if self._functions is None:
            self._functions = {(f.start_byte, f.end_byte): f for f in self.caps.get("fn", ())}
        return self._functions.get((start, end))

    def env_option_names(self) -> set[str]:
        """Names passed as a child process `env` option anywhere (`{env: childEnv}`, `{env}`)."""
        if self._env_option_names is None:
            import re

            text = self.full_text
            names = set(re.findall(r"\benv\s*:\s*([A-Za-z_$][\w$]*)", text))
            if re.search(r"[{,]\s*env\s*[,}]", text):
                names.add("env")
            self._env_option_names = names
        return self._env_option_names
