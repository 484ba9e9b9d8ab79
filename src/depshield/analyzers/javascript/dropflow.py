"""Download, write, run: a response written to a file that the code then starts.

`https.get(url, res => res.pipe(fs.createWriteStream(dest)))` and later `execFileSync(dest)`:
the program that runs is whatever the server sent. The rule follows the path value, not the
names: the spawned command and the written path must be one binding, directly or through one
callback hop (`fetchTo(url, target, p => execFileSync(p))` where fetchTo writes `dest` and
calls back `done(dest)`). Writes must sit in a download's callbacks; no hash check may be in
the file (a downloader that verifies a release binary's digest is an installer, not a dropper).
The same holds when a command line does the download (`` exec(`curl -o ${dest} ${url}`) ``,
`wget -O`, `Invoke-WebRequest -OutFile`, `certutil -urlcache`) and a later command starts the
path it saved to (`` exec(`start ${dest}`) ``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from depshield.analyzers.javascript.family import RULES

if TYPE_CHECKING:
    from tree_sitter import Node

    from depshield.analyzers.javascript.bindings import Binding
    from depshield.analyzers.javascript.context import JsContext

_VERIFIED = re.compile(rb"createHash\s*\(|\bintegrity\b|\bsha(?:256|512|1)\b|checksum", re.I)
MAX_CALLS = 2000
MAX_HOPS = 3  # a command line built around the path: variable -> template -> part
MAX_CHAIN = 8  # operands of one `+` chain spelling a command line
# Programs that run the file named after them (a shell, an interpreter, Windows' launchers).
RUNNERS = frozenset(
    {*("sh", "bash", "zsh", "dash", "cmd", "powershell", "pwsh", "start", "open", "osascript")}
    | {*("node", "nodejs", "bun", "deno", "python", "python3", "perl", "ruby", "php")}
    | {*("wscript", "cscript", "rundll32", "regsvr32", "msiexec", "mshta")}
)
Key = tuple[str, int, int]
# The text of a command line up to a hole (`${dest}`, `+ dest`) that is the file a download
# tool saves to: curl's `-o`/`--output` (lowercase: `-O` keeps the remote name), wget's
# `-O`/`--output-document`, PowerShell's `-OutFile`, certutil's and bitsadmin's last argument.
_SAVES_TO = re.compile(
    r"(?:(?i:\bcurl(?:\.exe)?)\b[^;&|]*\s(?:-[A-Za-z]*o|--output)"
    r"|(?i:\bwget(?:\.exe)?)\b[^;&|]*\s(?:-[A-Za-z]*O|--output-document)"
    r"|(?i:\b(?:invoke-webrequest|iwr|curl|wget)\b[^;&|]*\s-outfile)"
    r"|(?i:\bcertutil(?:\.exe)?\b[^;&|]*\s-urlcache\b[^;&|]*\s\S+)"
    r"|(?i:\bbitsadmin(?:\.exe)?\b[^;&|]*\s/transfer\b[^;&|]*\s\S+))[\s=]*['\"]?$"
)


@RULES.rule("javascript.download-run", reads="file", emits={"remoteCodeDownload"})
def download_written_then_run(ctx: JsContext) -> None:
    sites = ctx.sites
    if not sites.spawns or not sites.writes or not sites.downloads:
        return
    if _VERIFIED.search(ctx.source):
        return
    written = {k for w in sites.writes if _in_download(ctx, w) for k in _path_keys(ctx, w)}
    if not written:
        return
    for spawn in sites.spawns:
        args = ctx.args(spawn)
        keys = _keys_of(ctx, args[0]) if args and _runs_what_it_names(ctx, args[0]) else set()
        if keys & written:
            ctx.emit("remoteCodeDownload", spawn, {"how": "download-written-then-run"})
            return


@RULES.rule("javascript.command-download-run", reads="file", emits={"remoteCodeDownload"})
def command_download_then_run(ctx: JsContext) -> None:
    """A command line that saves a download to a path value (`curl -o ${dest} ${url}`), and
    another process started on that same value (`start ${dest}`, `execFile(dest)`)."""
    spawns = ctx.sites.spawns
    if len(spawns) < 2 or _VERIFIED.search(ctx.source):
        return
    saved: set[Key] = set()
    runs: list[tuple[Node, Node]] = []
    for spawn in spawns:
        args = ctx.args(spawn)
        keys = _saved_keys(ctx, args[0]) if args else set()
        saved |= keys
        if args and not keys and _runs_what_it_names(ctx, args[0]):
            runs.append((spawn, args[0]))
    for spawn, command in runs if saved else []:
        if _keys_of(ctx, command) & saved:
            ctx.emit("remoteCodeDownload", spawn, {"how": "command-download-then-run"})
            return


def _saved_keys(ctx: JsContext, command: Node) -> set[Key]:
    """The bindings of the holes a download tool in `command` saves its response to."""
    if command.type == "identifier":
        binding = ctx.bindings.lookup(ctx.text(command), command.start_byte)
        command = binding.value if binding is not None and binding.value is not None else command
    pieces = _pieces(ctx, command, MAX_CHAIN)
    keys: set[Key] = set()
    before = ""
    for text, hole in pieces:
        if hole is None:
            before += text
            continue
        if _SAVES_TO.search(before):
            keys |= _keys_of(ctx, hole, hops=0)
        before += "$X"
    return keys


def _pieces(ctx: JsContext, node: Node, depth: int) -> list[tuple[str, Node | None]]:
    """A template or `+` chain as literal text and holes, in order."""
    from depshield.analyzers.javascript import text as js_text

    if depth <= 0:
        return [("", node)]
    if node.type == "template_string":
        out: list[tuple[str, Node | None]] = []
        for child in node.named_children:
            if child.type == "template_substitution":
                if child.named_children:
                    out.append(("", child.named_children[0]))
            else:
                out.append((js_text.unescape(ctx.text(child)), None))
        return out
    if node.type == "string":
        return [(ctx.text(node)[1:-1], None)]
    parts = _parts(node) if node.type == "binary_expression" else []
    if not parts:
        return [("", node)]
    return [p for part in parts for p in _pieces(ctx, part, depth - 1)]


def _runs_what_it_names(ctx: JsContext, command: Node) -> bool:
    """A command line starts the paths it names when its program is computed (the path
    itself, a runner the code picks) or a script runner; `tar -xf ${archive}`, `chmod`,
    `unzip` only handle the file."""
    if command.type == "identifier":
        binding = ctx.bindings.lookup(ctx.text(command), command.start_byte)
        value = binding.value if binding is not None else None
        if value is None or value.type not in ("template_string", "binary_expression"):
            return True
        command = value
    if command.type not in ("template_string", "binary_expression"):
        return True
    first = ctx.text(command).strip("`'\" (").split(maxsplit=1)
    program = first[0].strip("'\"").rsplit("/", 1)[-1].lower() if first else ""
    if not program or "${" in program or not program.replace(".", "").isalnum():
        return True  # computed: `${runner} "${dest}"`, `dest + " --flag"`
    return program.removesuffix(".exe") in RUNNERS


def _in_download(ctx: JsContext, write: Node) -> bool:
    pos = write.start_byte
    return any(d.start_byte <= pos < d.end_byte for d in ctx.sites.downloads)


def _path_keys(ctx: JsContext, write: Node) -> set[Key]:
    args = ctx.args(write)
    return _keys_of(ctx, args[0], hops=0) if args else set()  # the path itself, not its parts


def _key(b: Binding) -> Key:
    return (b.name, b.scope, b.pos)


def _keys_of(ctx: JsContext, node: Node, hops: int = MAX_HOPS) -> set[Key]:
    """The bindings a path value is: its variable, and for a callback's parameter the
    variable the calling function hands that callback. A command line built around the path
    (`` `python3 "${dest}"` ``, `"chmod +x " + p`, directly or through the variable holding
    it) names the bindings of its parts."""
    if node.type in ("template_string", "binary_expression") and hops > 0:
        return {k for part in _parts(node) for k in _keys_of(ctx, part, hops - 1)}
    if node.type != "identifier":
        return set()
    binding = ctx.bindings.lookup(ctx.text(node), node.start_byte)
    if binding is None:
        return set()
    keys = {_key(binding)}
    if binding.value is None:
        keys |= _callback_hop(ctx, node, binding)
    elif binding.value.type in ("template_string", "binary_expression") and hops > 0:
        keys |= _keys_of(ctx, binding.value, hops - 1)
    return keys


def _parts(node: Node) -> list[Node]:
    """A template's substitutions, or the operands of a `+` chain."""
    if node.type == "template_string":
        subs = (c for c in node.named_children if c.type == "template_substitution")
        return [c.named_children[0] for c in subs if c.named_children]
    op = node.child_by_field_name("operator")
    if op is None or op.type != "+":
        return []
    return [c for c in (node.child_by_field_name(f) for f in ("left", "right")) if c is not None]


def _callback_hop(ctx: JsContext, param: Node, binding: Binding) -> set[Key]:
    """`G(a, b, (p) => run(p))` where G's body calls its third parameter with `x`: x's key."""
    fn = _function_of_param(param, ctx, binding)
    if fn is None:
        return set()
    index, fn_node = fn
    call = fn_node.parent.parent if fn_node.parent is not None else None
    if call is None or call.type != "call_expression":
        return set()
    position = next((i for i, a in enumerate(ctx.args(call)) if a == fn_node), None)
    callee = call.child_by_field_name("function")
    if position is None or callee is None or callee.type != "identifier":
        return set()
    target = ctx.bindings.lookup(ctx.text(callee), callee.start_byte)
    body = target.value if target is not None else None
    if body is None or body.type not in ("function_declaration", "function_expression"):
        return set()
    params = body.child_by_field_name("parameters")
    names = [ctx.text(p) for p in params.named_children] if params is not None else []
    if position >= len(names):
        return set()
    return _arguments_passed(ctx, body, names[position], index)


def _function_of_param(param: Node, ctx: JsContext, binding: Binding) -> tuple[int, Node] | None:
    """(index of the parameter, the function it belongs to) for a parameter binding."""
    from depshield.analyzers.javascript.parse import FUNCTION_TYPES

    for call in ctx.caps.get("fn", ()):
        if call.type not in FUNCTION_TYPES or not call.start_byte <= binding.pos < call.end_byte:
            continue
        params = call.child_by_field_name("parameters") or call.child_by_field_name("parameter")
        if params is None:
            continue
        items = params.named_children if params.type == "formal_parameters" else [params]
        for i, p in enumerate(items):
            if p.start_byte == binding.pos:
                return i, call
    return None


def _arguments_passed(ctx: JsContext, body: Node, callback: str, index: int) -> set[Key]:
    keys: set[Key] = set()
    for call in ctx.caps.get("call", ())[:MAX_CALLS]:
        if not body.start_byte <= call.start_byte < body.end_byte:
            continue
        callee = call.child_by_field_name("function")
        args = ctx.args(call)
        if callee is None or ctx.text(callee) != callback or index >= len(args):
            continue
        arg = args[index]
        if arg.type == "identifier":
            b = ctx.bindings.lookup(ctx.text(arg), arg.start_byte)
            if b is not None:
                keys.add(_key(b))
    return keys
