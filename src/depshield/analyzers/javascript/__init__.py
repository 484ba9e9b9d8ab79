"""The JavaScript/TypeScript analyzer: one tree-sitter query pass, resolved calls, direct flows."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from depshield.analyzers import budget
from depshield.analyzers.base import SIGNAL_SOURCE
from depshield.analyzers.javascript import text as js_text
from depshield.analyzers.javascript.family import RULES, load
from depshield.analyzers.javascript.obfuscation import Verdict, classify
from depshield.analyzers.javascript.parse import capture, grammar_for, parse
from depshield.analyzers.rule import Rule
from depshield.analyzers.strings import LITERAL_TYPES
from depshield.model import FileAnalysis, Finding

if TYPE_CHECKING:
    from tree_sitter import Node

    from depshield.analyzers.javascript.context import JsContext
    from depshield.analyzers.javascript.spelled import Spelled
    from depshield.analyzers.javascript.strarray import Decoded

EXTENSIONS = (".js", ".cjs", ".mjs", ".jsx", ".ts", ".tsx", ".mts", ".cts")
DECLARATIONS = (".d.ts", ".d.mts", ".d.cts")
MAX_UNPACK = 2  # packed code inside packed code, and no deeper
MAX_LAYERS = 3  # string arrays decoded one inside another
COMPUTED_KEYS = frozenset({"string", "template_string", "binary_expression", "call_expression"})
# The windows of a file read in parts re-emit what the family's rules found in each window.
PARTS = Rule("javascript.parts", "javascript", "file", lambda ctx: None, frozenset(), relays=True)


class JavaScriptAnalyzer:
    """Findings for .js/.cjs/.mjs/.jsx/.ts/.tsx/.mts/.cts files (not .d.ts declarations)."""

    name = "javascript"
    version = (
        "3"  # 2: unpacked packer payloads, remote commands, browser sources; 3: packages loaded
    )

    def wants(self, path: str) -> bool:
        lower = path.lower()
        return lower.endswith(EXTENSIONS) and not lower.endswith(DECLARATIONS)

    def analyze(self, path: str, data: bytes) -> FileAnalysis:
        grammar = grammar_for(path)
        language = "javascript" if grammar == "javascript" else "typescript"
        partial: list[JsContext] = []
        try:
            return _analyze(path, data, grammar, language, partial)
        except Exception as exc:  # noqa: BLE001
            # Never let one hostile file stop a scan: keep what was found before the failure.
            found = partial[0].out.result() if partial else ()
            imports = tuple(partial[0].imports) if partial else ()
            reason = f"analysis stopped early: {type(exc).__name__}"
            return FileAnalysis(path, language, found, imports, 0, reason)


def _analyze(
    path: str, data: bytes, grammar: str, language: str, partial: list[JsContext], depth: int = 0
) -> FileAnalysis:
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    loc = js_text.lines_of_code(text)
    source = text.encode("utf-8")
    head, skipped = budget.parse_prefix(source)
    if skipped is None:
        return _analyze_source(path, source, text, grammar, language, partial, depth, loc)
    if depth == 0:
        return _windows(path, source, text, grammar, language, partial, loc)
    # Packed code inside a big file: its head only (the file itself is read in windows).
    whole = classify(text, source)
    head_text = head.decode("utf-8", errors="replace")
    return _analyze_source(
        path, head, head_text, grammar, language, partial, depth, loc, skipped, whole
    )


def _windows(
    path: str,
    source: bytes,
    text: str,
    grammar: str,
    language: str,
    partial: list[JsContext],
    loc: int,
) -> FileAnalysis:
    """A file over the parse budget (a published bundle of several MB) is analysed in
    consecutive windows, each cut like the head (budget.parse_prefix), so an appended payload
    meets the same rules as the head; a flow that crosses a cut is not followed, which the
    skip reason says. The cheap whole-file checks (minified, obfuscated) see the whole file."""
    from depshield.analyzers.javascript.context import Collector

    whole = classify(text, source)
    out, imports, unguarded = Collector(), dict[str, None](), set[str]()
    start = lines = parts = tries = 0
    size = budget.JS_PARSE_MAX_BYTES
    skipped: str | None = None
    while start < len(source) and tries < budget.JS_MAX_WINDOWS:
        tries += 1
        head, _ = budget.parse_prefix(source[start:], size)
        if not head:
            break
        part = _analyze_source(
            path,
            head,
            head.decode("utf-8", errors="replace"),
            grammar,
            language,
            partial if parts == 0 else [],
            0,
            0,
            None,
            whole if parts == 0 else None,
            verdict=parts == 0,
        )
        if part.skipped and size > budget.JS_MIN_WINDOW:
            size //= 2  # too dense for the rules in one window: the same start, half as much
            continue
        with out.rule(PARTS):
            for f in part.findings:
                moved = replace(f, line=f.line + lines) if f.line else f
                out.add(moved, f"{f.evidence}|{f.props.get('kind', '')}")
        imports.update(dict.fromkeys(part.imports))
        unguarded.update(set(part.imports) - set(part.optional_imports))
        if part.skipped:  # dense even in a small window: the rest stays unanalysed, visibly
            rest = f"analysed in parts to the part from line {lines + 1}, then {part.skipped}"
            skipped = budget.too_large(len(source), budget.JS_PARSE_MAX_BYTES, rest)
            break
        start, lines, parts = start + len(head), lines + head.count(b"\n"), parts + 1
    if skipped is None:
        skipped = budget.in_parts(len(source), start, parts)
    optional = tuple(spec for spec in imports if spec not in unguarded)
    return FileAnalysis(path, language, out.result(), tuple(imports), loc, skipped, optional)


def _analyze_source(
    path: str,
    source: bytes,
    text: str,
    grammar: str,
    language: str,
    partial: list[JsContext],
    depth: int,
    loc: int,
    skipped: str | None = None,
    whole: Verdict | None = None,
    verdict: bool = True,
) -> FileAnalysis:
    from depshield.analyzers.javascript.context import JsContext

    tree = parse(grammar, source)
    caps = capture(grammar, tree)
    # Judge what the code does with its strings put back; lines are kept as written.
    decoded = 0
    for _ in range(MAX_LAYERS):  # an array of lookups into another array: one layer a pass
        layer = _decoded(source, caps)
        if layer is None:
            break
        decoded += layer.strings
        source = layer.source
        tree = parse(grammar, source)
        caps = capture(grammar, tree)
    spelled = _spelled(source, tree.root_node)
    if spelled is not None:  # strings spelled from a character table
        decoded += spelled.strings
        source = spelled.source
        caps = capture(grammar, parse(grammar, source))
    if decoded:
        text = source.decode("utf-8", "replace")
    total = sum(len(nodes) for nodes in caps.values())
    caps, cutoff = budget.trim_captures(caps)
    ctx = JsContext(path, source, caps, text)
    ctx.skipped = skipped
    ctx.grammar, ctx.language, ctx.depth, ctx.whole = grammar, language, depth, whole
    ctx.verdict = verdict  # a file read in parts gets one verdict, from its first part
    if cutoff is not None and skipped is None:
        line = source.count(b"\n", 0, cutoff) + 1
        ctx.skipped = budget.over_budget(total, budget.JS_MAX_NODES, cutoff, line)
    partial.append(ctx)
    _run(ctx)
    results = ctx.out.result()
    if decoded:
        note = f"string array: {decoded} strings decoded statically"
        results = tuple(replace(f, props={**f.props, "deobfuscated": note}) for f in results)
    optional = tuple(spec for spec in ctx.imports if spec not in ctx.unguarded)
    return FileAnalysis(path, language, results, tuple(ctx.imports), loc, ctx.skipped, optional)


def _decoded(source: bytes, caps: dict[str, list[Node]]) -> Decoded | None:
    from depshield.analyzers.javascript.strarray import decode

    try:
        return decode(source, caps)
    except RecursionError:  # a hostile nesting depth: analyse the file as written
        return None


def _spelled(source: bytes, root: Node) -> Spelled | None:
    """Names written in escapes, then strings spelled from a character table."""
    from depshield.analyzers.javascript.spelled import decode, names

    named = names(source, root)
    spelled = decode(named.source if named else source)
    if named is None or spelled is None:
        return spelled or named
    return type(spelled)(spelled.source, spelled.strings + named.strings)


@RULES.rule("javascript.profile-metadata", reads="file", emits=())
def _profile_metadata(ctx: JsContext) -> None:
    """A browser's `Local State` holds profile metadata (browser automation reads the last
    used profile from it) and the key that encrypts saved passwords and cookies: only code
    that takes that key (`os_crypt.encrypted_key`) harvests credentials with it."""
    from depshield.analyzers.base import SIGNAL_SOURCE

    if b"encrypted_key" in ctx.source or b"os_crypt" in ctx.source:
        return
    ctx.out.discard(
        lambda f: (
            f.type == SIGNAL_SOURCE
            and f.props.get("kind") == "credential-store"
            and str(f.props.get("detail") or "").strip("/\\") == "Local State"
        )
    )


@RULES.rule("javascript.verdict", reads="file", emits={"obfuscatedFile", "minifiedFile"})
def _verdict(ctx: JsContext) -> None:
    """Obfuscated or minified, from the text as a whole (javascript/obfuscation.py)."""
    if not ctx.verdict:
        return
    literals = ((n.start_byte, n.end_byte) for n in ctx.caps.get("string", ()))
    verdict = classify(ctx.full_text, ctx.source, literals) or ctx.whole
    obfuscated = any(f.type == "obfuscatedFile" for f in ctx.out.findings)
    if verdict is not None and not (obfuscated and verdict.type == "minifiedFile"):
        ctx.out.add(_verdict_finding(ctx.path, verdict))


@RULES.rule("javascript.unpacked", reads="file", emits=(), relays=True)
def _unpacked(ctx: JsContext) -> None:
    """Analyse what a packer hides and report it at the `eval` that runs it: the packed
    string is the whole program (m-backdoor's install script), invisible otherwise."""
    from depshield.analyzers.javascript.unpack import unpack

    if ctx.depth >= MAX_UNPACK:
        return
    grammar, language, depth = ctx.grammar, ctx.language, ctx.depth

    for offset, program in unpack(ctx.full_text):
        start = len(ctx.full_text[:offset].encode("utf-8"))
        line = ctx.full_text.count("\n", 0, offset) + 1
        top = ctx.scopes.top_level(start)
        inner = _analyze(ctx.path, program.encode("utf-8"), grammar, language, [], depth + 1)
        for f in inner.findings:
            ctx.out.add(replace(f, line=line, top_level=top and f.top_level, column=0))
        ctx.imports.update(dict.fromkeys(inner.imports))
        ctx.unguarded.update(set(inner.imports) - set(inner.optional_imports))
        if inner.skipped and ctx.skipped is None:
            ctx.skipped = f"packed code at line {line}: {inner.skipped}"


@RULES.rule("javascript.hidden", reads="file", emits={"encodedPayloadExecution"})
def _hidden_programs(ctx: JsContext) -> None:
    """An exec of code the file hides (javascript/hidden.py)."""
    from depshield.analyzers.javascript.hidden import hidden_programs

    if ctx.sites.execs:
        tell = next((f for f in ctx.out.findings if f.type == "obfuscatedFile"), None)
        hidden_programs(ctx, tell)


def _verdict_finding(path: str, verdict: Verdict) -> Finding:
    return Finding(
        verdict.type,
        path,
        verdict.line,
        verdict.evidence,
        {"confidence": verdict.confidence},
        True,  # a property of the whole file
    )


def _run(ctx: JsContext) -> None:
    """Every rule in order: node rules over each capture of their kind, then file rules."""
    from depshield.analyzers.javascript.loadtime import mark_load_time

    _bind(ctx)
    mark_load_time(ctx)
    for rule in load():
        with ctx.out.rule(rule):
            if rule.reads == "file":
                rule.fn(ctx)
            else:
                for node in _nodes(ctx, rule.reads):
                    rule.fn(ctx, node)


def _nodes(ctx: JsContext, reads: str) -> list[Node]:
    """The captures a node rule reads ("import" takes re-exports too, "members" is derived)."""
    if reads == "import":
        return [*ctx.caps.get("import", ()), *ctx.caps.get("export", ())]
    if reads == "members":
        return _members(ctx)
    return ctx.caps.get(reads, [])


def _members(ctx: JsContext) -> list[Node]:
    """Member accesses worth resolving: `.env`, module internals, computed `x['..']` keys."""
    out = list(ctx.caps.get("member", ()))
    for prop in ctx.caps.get("mprop", ()):
        parent = prop.parent
        if parent is not None and parent.type == "member_expression":
            out.append(parent)
    for sub in ctx.caps.get("sub", ()):
        index = sub.child_by_field_name("index")
        if index is not None and index.type in COMPUTED_KEYS:
            out.append(sub)
    return out


def _bind(ctx: JsContext) -> None:
    """Declarations first, then assignments (which bind in the declaring scope)."""
    from depshield.analyzers.javascript.modules import source_of, spec_of

    b, caps = ctx.bindings, ctx.caps
    for fn in caps.get("fn", ()):
        b.function(fn)
    for param in caps.get("param", ()):
        b.parameter(param)
    for decl in caps.get("decl", ()):
        b.declare(decl)
    for stmt in caps.get("import", ()):
        src = source_of(stmt)
        spec = spec_of(ctx, src) if src is not None else None
        if spec is not None:
            b.import_statement(stmt, spec)
    for assign in caps.get("assign", ()):
        b.assign(assign)


@RULES.rule("javascript.strings", reads="file", emits=LITERAL_TYPES | {SIGNAL_SOURCE})
def _strings(ctx: JsContext) -> None:
    """Every string literal (and template without substitutions) goes to scan_literal once."""
    from depshield.analyzers.strings import scan_literal

    seen: set[tuple[str, int]] = set()
    for node in (*ctx.caps.get("string", ()), *ctx.caps.get("template", ())):
        value = js_text.literal_value(node, ctx.source)
        if not value:
            continue
        line = node.start_point[0] + 1
        if (value, line) in seen:
            continue
        seen.add((value, line))
        ctx.out.extend(scan_literal(value, ctx.path, line, ctx.top(node)))
    for node in ctx.caps.get("template", ()):
        _template_store(ctx, node)


def _template_store(ctx: JsContext, node: Node) -> None:
    """A credential store named in a template with substitutions: token grabbers build each
    browser's profile path from the user's folder (`${home}/AppData/Roaming/discord/Local
    Storage/leveldb`), so the literal scan (whole literals only) never sees the path."""
    from depshield.analyzers.base import SIGNAL_SOURCE
    from depshield.analyzers.javascript.catalog import path_source

    parts = [ctx.text(c) for c in node.named_children if c.type == "string_fragment"]
    if len(parts) == len(node.named_children):
        return  # no substitution: scan_literal saw the whole value
    found = path_source(parts)
    if found is None or found[0] != "credential-store":
        return
    # Only a path to the store (`.../discord/...`, `...\\Local State`), not a message that
    # names it (`Install MetaMask ${version}`).
    joined = "/".join(p.replace("\\", "/") for p in parts)
    if f"/{found[1]}" in joined:
        ctx.emit(SIGNAL_SOURCE, node, {"kind": found[0], "detail": found[1]})
