"""Data flow within one scope: decoded or downloaded data reaching exec, and multi-call patterns."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from depshield.analyzers.python.context import Ctx, Event
from depshield.analyzers.python.decode import codec_how
from depshield.analyzers.python.family import RULES
from depshield.analyzers.python.fold_calls import DECODING
from depshield.analyzers.python.rules import DECODERS, DOWNLOADS, strip_calls
from depshield.analyzers.python.scope import Scope

_MAX_NODES = 600
_MIN_PAYLOAD = 16  # shortest literal taken for an embedded payload
_FILE_READS = frozenset(
    {
        "open",
        "file",
        "io.open",
        "codecs.open",
        "gzip.open",
        "bz2.open",
        "lzma.open",
        "os.open",
        "os.fdopen",
        "pathlib.Path.read_bytes",
        "pathlib.Path.read_text",
        "pathlib.Path.open",
    }
)
# Calls whose result says nothing of their arguments' origin (a round trip, a length).
_OPAQUE = frozenset(
    {
        "pickle.dumps",
        "cPickle.dumps",
        "dill.dumps",
        "cloudpickle.dumps",
        "marshal.dumps",
        "json.dumps",
        "len",
        "hash",
        "id",
        "type",
        "isinstance",
        "repr",
        "copy.deepcopy",
        "copy.copy",
    }
)
_XOR_SINKS = frozenset({"chr", "bytes", "bytearray"})
_MAX_HOPS = 10  # variable and local-function hops followed from the sink back to the data


@dataclass
class Taint:
    """What flows into an expression: decoders and downloads seen on the way."""

    decoders: set[str] = field(default_factory=set)
    downloads: set[str] = field(default_factory=set)
    max_literal: int = 0
    total_literal: int = 0  # chunks appended one by one (`blob += "..."`) add up
    folded: bool = False  # the whole expression folds to a decoded literal
    from_file: bool = False  # data read from a local file (not followed further)

    @property
    def encoded(self) -> bool:
        """Decoded data that comes from the package itself (a literal) or from the network.

        Decoding what a file or a caller provides (`pickle.loads(zlib.decompress(cache))`) is
        transport, not a hidden payload.
        """
        return bool(self.decoders) and (
            self.folded
            or self.max_literal >= _MIN_PAYLOAD
            or self.total_literal >= 4 * _MIN_PAYLOAD
            or bool(self.downloads)
        )


def taint(ctx: Ctx, node: ast.AST, scope: Scope) -> Taint:
    """Walk `node`, following variables and local functions' return values in scope."""
    found = Taint()
    stack: list[tuple[ast.AST, Scope, int]] = [(node, scope, 0)]
    visited = 0
    while stack and visited < _MAX_NODES:
        current, where, hops = stack.pop()
        visited += 1
        if isinstance(current, ast.Constant) and isinstance(current.value, str | bytes):
            found.max_literal = max(found.max_literal, len(current.value))
            found.total_literal += len(current.value)
        elif isinstance(current, ast.Call):
            if _call(ctx, current, where, found, stack, hops):
                continue  # an opaque call: its arguments do not flow out
            if _lookup(current):
                # `state.get("__pickle_state__")`: the key names what is read, it is not data
                assert isinstance(current.func, ast.Attribute)
                stack.append((current.func.value, where, hops))
                stack.extend((a, where, hops) for a in current.args[1:])
                continue
        elif isinstance(current, ast.Subscript):
            stack.append((current.value, where, hops))  # `d["key"]`: the value, not the key
            continue
        elif isinstance(current, ast.ListComp | ast.GeneratorExp) and _maps_literal(current):
            found.decoders.add("substitution")
        elif isinstance(current, ast.Name) and hops < _MAX_HOPS:
            binding = ctx.resolver.binding(current.id, where)
            if binding is not None:
                values, owner = binding
                stack.extend((v, owner, hops + 1) for v in values if v is not None)
                if None in values and _chat_handler(ctx, owner):
                    found.downloads.add("chat-bot message")
        stack.extend((child, where, hops) for child in ast.iter_child_nodes(current))
    folded = ctx.resolver.fold(node, scope)
    if folded is not None and folded.decoded:
        found.decoders |= folded.how & DECODING
        found.folded = True
    return found


# Decorators that make a function a chat bot's message handler: its parameter is a message
# someone sent over the network (`@bot.message_handler`, `@client.event async def on_message`).
_CHAT_CLIENTS = frozenset({"telebot", "telegram", "aiogram", "pyrogram", "telethon", "discord"})
_CHAT_HOOKS = frozenset(
    {
        "message_handler",
        "channel_post_handler",
        "callback_query_handler",
        "on_message",
        "on",
        "event",
        "command",
        "message",
    }
)


def _chat_handler(ctx: Ctx, scope: Scope) -> bool:
    node = scope.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    for decorator in node.decorator_list:
        func = decorator.func if isinstance(decorator, ast.Call) else decorator
        if not isinstance(func, ast.Attribute) or func.attr not in _CHAT_HOOKS:
            continue
        name = ctx.qualname(func, scope.parent or scope)
        if name and name.split(".")[0] in _CHAT_CLIENTS:
            return True
    return False


_LOOKUPS = frozenset({"get", "pop", "setdefault", "getlist"})


def _lookup(call: ast.Call) -> bool:
    return (
        isinstance(call.func, ast.Attribute)
        and call.func.attr in _LOOKUPS
        and bool(call.args)
        and isinstance(call.args[0], ast.Constant)
        and isinstance(call.args[0].value, str)
    )


def _maps_literal(comp: ast.ListComp | ast.GeneratorExp) -> bool:
    """`[table[alphabet.index(c)] for c in "KZBOLZW..."]`: a literal rewritten character by
    character, a hand-rolled substitution cipher (copying it unchanged is not decoding)."""
    gen = comp.generators[0]
    source = gen.iter.value if isinstance(gen.iter, ast.Constant) else None
    unchanged = isinstance(comp.elt, ast.Name) and isinstance(gen.target, ast.Name)
    return isinstance(source, str | bytes) and len(source) >= _MIN_PAYLOAD and not unchanged


def _call(
    ctx: Ctx,
    node: ast.Call,
    scope: Scope,
    found: Taint,
    stack: list[tuple[ast.AST, Scope, int]],
    hops: int,
) -> bool:
    """Note what a call contributes; True when its arguments are not to be followed."""
    qualname = ctx.qualname(node.func, scope)
    name = strip_calls(qualname) if qualname else None
    if name in _OPAQUE:
        return True
    if name in _FILE_READS:
        found.from_file = True
        return True  # a path literal is not a payload
    if name is not None and name in DECODERS:
        found.decoders.add(DECODERS[name])
    how = _codec_call(ctx, node, scope, name)
    if how:
        found.decoders.add(how)
    if name in DOWNLOADS or _fetched_by_command(ctx, node, scope, name):
        found.downloads.add(name or "")
    if name in _XOR_SINKS and any(
        isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitXor)
        for a in node.args
        for n in ast.walk(a)
    ):
        found.decoders.add("xor")  # chr(ord(c) ^ key[i]): a hand-rolled cipher
    if isinstance(node.func, ast.Name) and hops < _MAX_HOPS:
        for owner in scope.chain():
            for fn in owner.defs.get(node.func.id, []):
                if isinstance(fn.node, ast.FunctionDef | ast.AsyncFunctionDef):
                    returns = [
                        r.value
                        for r in ast.walk(fn.node)
                        if isinstance(r, ast.Return) and r.value is not None
                    ]
                    stack.extend((r, fn, hops + 1) for r in returns)
            if node.func.id in owner.defs:
                break
    return False


# Calls that return what a command printed: `curl URL`'s output is the downloaded body.
_COMMAND_OUTPUT = frozenset(
    {"subprocess.getoutput", "subprocess.check_output", "commands.getoutput", "os.popen"}
)
_FETCH_COMMAND = re.compile(r"\b(?:curl|wget)(?:\.exe)?\b[^|;&\n]{0,300}?(?:https?|ftp)://")


def _fetched_by_command(ctx: Ctx, node: ast.Call, scope: Scope, name: str | None) -> bool:
    if name not in _COMMAND_OUTPUT or not node.args:
        return False
    command = node.args[0]
    parts = command.elts if isinstance(command, ast.List | ast.Tuple) else [command]
    text = " ".join(ctx.resolver.text(p, scope) or "" for p in parts)
    return bool(_FETCH_COMMAND.search(text))


def _codec_call(ctx: Ctx, node: ast.Call, scope: Scope, name: str | None) -> str | None:
    """`codecs.decode(x, 'rot13')` or py2 `x.decode('base64')`: the decoding, if any."""
    if name in ("codecs.decode", "codecs.encode") and len(node.args) >= 2:
        enc = ctx.resolver.text(node.args[1], scope)
        return codec_how(enc) if enc else None
    if isinstance(node.func, ast.Attribute) and node.func.attr == "decode" and node.args:
        enc = ctx.resolver.text(node.args[0], scope)
        return codec_how(enc) if enc else None
    return None


@RULES.rule(
    "python.flow",
    reads="module",
    emits={"remoteCodeDownload", "encodedPayloadExecution", "reverseShell"},
)
def correlate(ctx: Ctx) -> None:
    """Patterns made of several calls in one function (or module body)."""
    for events in ctx.events.values():
        _download_and_run(ctx, events)
        _reverse_shell(ctx, events)
    _download_and_run_across(ctx)


def _download_and_run_across(ctx: Ctx) -> None:
    """`def fetch(): open(PATH, 'wb').write(get(url).content)` and `def start():
    subprocess.run(PATH)`: a download written in one function and run by another, linked by
    a module-level name or a literal path both use."""
    module = ctx.index.module
    writes = [
        (scope, write)
        for scope, events in ctx.events.items()
        for write in [*events.get("write-data", []), *events.get("write", [])]
        if events.get("download") or "downloaded" in write.flags
    ]
    for scope, events in ctx.events.items():
        for spawn in events.get("spawn", []):
            for owner, write in writes:
                if owner is scope:
                    continue  # one function: _download_and_run
                # across functions only the program run counts (`PATH` as the command)
                shared = [
                    t
                    for t in _linked(write.tokens, spawn.flags)
                    if ("/" in t or "\\" in t)
                    or (
                        t in module.assigns
                        and (owner is module or t not in owner.assigns)
                        and t not in scope.assigns
                    )
                ]
                if not shared and _passed_on(ctx, owner, write, scope, spawn):
                    shared = [f"{owner.name}() -> {scope.name}()"]
                if shared:
                    props = {"pattern": "download-write-run", "detail": shared[:3]}
                    ctx.emit("remoteCodeDownload", spawn.site, props, key=("rcd", spawn.site.node))
                    break


def _params(scope: Scope) -> set[str]:
    node = scope.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        return set()
    args = node.args
    return {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}


def _passed_on(ctx: Ctx, owner: Scope, write: Event, scope: Scope, spawn: Event) -> bool:
    """`run(fetch(path))`, or `p = fetch(path); run(p)`: the function that downloads to its
    parameter hands the path on (returns it) to the function that runs its parameter, or one
    variable is handed to both."""
    if not (write.tokens & _params(owner)) or not (spawn.flags & _params(scope)):
        return False
    if _same_value_to_both(ctx, owner, write, scope, spawn):
        return True
    if not _returns_param(owner):
        return False
    module = ctx.index.module.node
    results = {
        t.id
        for node in ast.walk(module)
        if isinstance(node, ast.Assign) and _calls(node.value, owner.name)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    for node in ast.walk(module):
        if isinstance(node, ast.Call) and _calls(node, scope.name):
            for a in node.args:
                if _calls(a, owner.name) or (isinstance(a, ast.Name) and a.id in results):
                    return True
    return False


def _same_value_to_both(ctx: Ctx, owner: Scope, write: Event, scope: Scope, spawn: Event) -> bool:
    """`install(TARGET); run(TARGET)`: one variable, in one body, handed to the function that
    downloads to its parameter and to the function that runs its parameter."""
    written = _passed_names(ctx, owner, write.tokens)
    return bool(written & _passed_names(ctx, scope, spawn.flags))


def _passed_names(ctx: Ctx, fn: Scope, used: frozenset[str]) -> set[tuple[int, str]]:
    """(calling body, name) for each variable callers pass for a parameter of `fn` in `used`."""
    node = fn.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return set()
    params = [a.arg for a in [*node.args.posonlyargs, *node.args.args]]
    names: set[tuple[int, str]] = set()
    for site in ctx.index.calls:
        call = site.node
        if not isinstance(call, ast.Call) or not _calls(call, fn.name):
            continue
        pairs = [*zip(params, call.args, strict=False)]
        pairs += [(k.arg, k.value) for k in call.keywords if k.arg]
        names |= {(id(site.scope), v.id) for p, v in pairs if p in used and isinstance(v, ast.Name)}
    return names


def _returns_param(fn: Scope) -> bool:
    params = _params(fn)
    return any(
        isinstance(r, ast.Return) and isinstance(r.value, ast.Name) and r.value.id in params
        for r in ast.walk(fn.node)
    )


def _calls(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


def _download_and_run(ctx: Ctx, events: dict[str, list[Event]]) -> None:
    """A file written with downloaded, decoded or embedded data, then run."""
    downloaded = bool(events.get("download"))
    for spawn in events.get("spawn", []):
        for write in [*events.get("write-data", []), *events.get("write", [])]:
            if write.site is spawn.site:
                continue  # `curl URL -o f` writes f; it does not run it
            # The written file counts only when it is what runs: the program, or the script of
            # a runner (`python f`, `sh -c ...`); `tar xf f` or `git -C dir status` beside a
            # download written under `dir` run nothing that was fetched.
            # (A program held in a variable, `[python_exe, path]`, may be a runner: all count.)
            runs = spawn.flags if _literal_program(spawn) else spawn.tokens
            shared = _linked(write.tokens, runs)
            if not shared:
                continue
            if (downloaded or "downloaded" in write.flags) and not _hash_checked(spawn):
                props = {"pattern": "download-write-run", "detail": shared[:3]}
                ctx.emit("remoteCodeDownload", spawn.site, props, key=("rcd", spawn.site.node))
            if write.flags & {"decoded", "embedded"}:
                props = {"pattern": "dropper", "data": sorted(write.flags), "detail": shared[:3]}
                ctx.emit("encodedPayloadExecution", spawn.site, props, key=("epe", spawn.site.node))


def _literal_program(spawn: Event) -> bool:
    """The spawn's program is written as a literal (`["git", ...]`, `"git status"`)."""
    call = spawn.site.node
    first = call.args[0] if isinstance(call, ast.Call) and call.args else None
    if isinstance(first, ast.List | ast.Tuple):
        first = first.elts[0] if first.elts else None
    return isinstance(first, ast.Constant)


def _hash_checked(spawn: Event) -> bool:
    """A download compared with a pinned digest before it runs (`hashlib.sha256(data)
    .hexdigest() != SHA256`) is a release-binary installer, not remote code."""
    fn = spawn.site.scope.node
    return any(
        isinstance(node, ast.Compare)
        and any(
            isinstance(side, ast.Call)
            and isinstance(side.func, ast.Attribute)
            and side.func.attr in ("hexdigest", "digest")
            for side in [node.left, *node.comparators]
        )
        for node in ast.walk(fn)
    )


def _linked(written: frozenset[str], run: frozenset[str]) -> list[str]:
    """Names or paths the write and the spawn share (`/tmp/a.sh` in "sh /tmp/a.sh" counts)."""
    shared = written & run
    if shared:
        return sorted(shared)
    return sorted(w for w in written if len(w) >= 4 and any(w in r for r in run))


def _reverse_shell(ctx: Ctx, events: dict[str, list[Event]]) -> None:
    if not events.get("connect"):
        return
    wired = events.get("sockstdio") or (events.get("dup2") and events.get("spawn"))
    if wired:
        site = (events.get("sockstdio") or events["spawn"])[0].site
        ctx.emit(
            "reverseShell",
            site,
            {"detail": "socket connected to a process's stdio"},
            key=("revshell", site.node),
        )
