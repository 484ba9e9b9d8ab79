"""Rules for calls that run code: processes, exec/eval/compile and pickle, with their payloads."""

from __future__ import annotations

import ast
import re
import shlex

from depshield.analyzers import strings
from depshield.analyzers.base import SIGNAL_EXEC, SIGNAL_SPAWN
from depshield.analyzers.python.cmdline import (
    command_text,
    line_of,
    partial_command,
    program_tokens,
    wrapper_calls,
)
from depshield.analyzers.python.context import Ctx, tokens_of
from depshield.analyzers.python.family import RULES, SPAWN_TYPES
from depshield.analyzers.python.flow import Taint, taint
from depshield.analyzers.python.rules import PICKLE_LOADS, SHELL_CALLS
from depshield.analyzers.python.scope import Site

_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "fish"})
_PYTHON = re.compile(r"^(python[\d.]*w?|py)(\.exe)?$", re.IGNORECASE)
_NO_COMMAND_ARG = ("os.exec", "os.spawn", "os.posix_spawn")
EXEC_NAMES = ("exec", "eval", "compile", "execfile")
_CIPHERS = frozenset({"xor", "substitution"})


@RULES.rule("python.call.spawn", reads="qualname", names=SHELL_CALLS, emits=SPAWN_TYPES)
def spawn_rule(ctx: Ctx, site: Site, name: str) -> None:
    call = site.node
    assert isinstance(call, ast.Call)
    command = None if name.startswith(_NO_COMMAND_ARG) else _command_node(call)
    argv, text = _command(ctx, site, command) if command is not None else (None, None)
    if name.startswith("pip.") and argv is not None:  # pip.main(["install", x]) runs `pip ...`
        argv = ["pip", *argv]
        text = _argv_text([a for a in argv if a is not None]) if None not in argv else None
    props: dict[str, object] = {"detail": name}
    if text:
        props["command"] = text[:200]
    ctx.emit(SIGNAL_SPAWN, site, props)
    inputs = [a for a in call.args if not isinstance(a, ast.Starred)]
    tokens = tokens_of(list(inputs), ctx, site.scope)
    ctx.event("spawn", site, tokens, program_tokens(ctx, site, command, text, tokens))
    if _stdio_is_socket(ctx, site, call):
        ctx.event("sockstdio", site)
    if text:
        command_text(ctx, site, text, tokens)
        if not isinstance(command, ast.Constant):  # assembled at run time: scan what it becomes
            ctx.out.extend(strings.scan_literal(text, ctx.file, line_of(site), ctx.top(site)))
    elif command is not None:
        partial_command(ctx, site, command, tokens)
        wrapper_calls(ctx, site, command)
    code = _python_c(ctx, site, argv)
    if code and ctx.nested is not None:
        ctx.nested(ctx, code, site, "python -c")
    if command is not None:
        _payload(ctx, site, taint(ctx, command, site.scope), "shell")


def _command_node(call: ast.Call) -> ast.expr | None:
    if call.args and not isinstance(call.args[0], ast.Starred):
        return call.args[0]
    for keyword in call.keywords:
        if keyword.arg in ("args", "cmd", "command", "argv", "filepath", "path"):
            return keyword.value
    return None


def _command(ctx: Ctx, site: Site, node: ast.expr) -> tuple[list[str | None] | None, str | None]:
    """(argv with unknown items as None, shell text when fully known)."""
    if isinstance(node, ast.List | ast.Tuple):
        argv = [ctx.resolver.text(e, site.scope) for e in node.elts]
        if argv and argv[0] is None and ctx.qualname(node.elts[0], site.scope) == "sys.executable":
            argv[0] = "python"
        known = [a for a in argv if a is not None]
        return argv, _argv_text(known) if len(known) == len(argv) and argv else None
    got = ctx.resolver.fold(node, site.scope)
    if got is not None and isinstance(got.value, tuple):
        items = [v if isinstance(v, str) else None for v in got.value]
        known = [a for a in items if a is not None]
        return items, _argv_text(known) if len(known) == len(items) and items else None
    text = got.text if got is not None else None
    if text is None:
        return None, None
    try:
        return list(shlex.split(text)), text
    except ValueError:
        return None, text


def _argv_text(argv: list[str]) -> str:
    """The text a shell would run: `sh -c X` -> X; otherwise the quoted command line."""
    prog = argv[0].replace("\\", "/").rsplit("/", 1)[-1].lower()
    if prog in _SHELLS and len(argv) >= 3 and argv[1] in ("-c", "-lc", "-ic", "-xc"):
        return argv[2]
    if prog in ("cmd", "cmd.exe") and len(argv) >= 3 and argv[1].lower() in ("/c", "/k"):
        return " ".join(argv[2:])
    return shlex.join(argv)


def _python_c(ctx: Ctx, site: Site, argv: list[str | None] | None) -> str | None:
    if not argv or len(argv) < 3 or argv[0] is None:
        return None
    prog = argv[0].replace("\\", "/").rsplit("/", 1)[-1]
    if _PYTHON.match(prog) and argv[1] == "-c":
        return argv[2]
    return None


def _stdio_is_socket(ctx: Ctx, site: Site, call: ast.Call) -> bool:
    for keyword in call.keywords:
        if keyword.arg not in ("stdin", "stdout", "stderr"):
            continue
        value = keyword.value
        if any(isinstance(n, ast.Attribute) and n.attr == "fileno" for n in ast.walk(value)):
            return True
        if ctx.qualname(value, site.scope) in ("socket.socket()", "socket.create_connection()"):
            return True
    return False


def _payload(ctx: Ctx, site: Site, found: Taint, sink: str) -> None:
    # Decoding a file and running it as code hides the code as well; unpickling a decoded
    # cache file is ordinary, so pickle needs an embedded or downloaded blob.
    hidden_code = sink != "pickle" and found.from_file and bool(found.decoders)
    # A command the file carries under a hand-rolled cipher (`bytes(b ^ k for b in b"...")`),
    # whatever the key: no transport encodes a command line that way.
    ciphered = sink == "shell" and bool(found.decoders & _CIPHERS) and found.max_literal >= 4
    if found.encoded or hidden_code or ciphered:
        props: dict[str, object] = {"decoder": sorted(found.decoders), "sink": sink}
        if found.folded and sink != "pickle":
            # The whole argument folds to a literal the file carries, decoded: the hidden
            # code is the package's own, not data a caller passes in (debugpy's pydevd).
            props["embedded"] = True
        elif ciphered:
            props["embedded"] = True
        ctx.emit("encodedPayloadExecution", site, props, key=("epe", site.node))
        if found.max_literal >= 1000:
            ctx.hint("encoded-blob", site.node, ctx.top(site))
    if found.downloads:
        ctx.emit(
            "remoteCodeDownload",
            site,
            {"pattern": "download-executed", "sink": sink, "detail": sorted(found.downloads)[0]},
            key=("rcd", site.node),
        )


@RULES.rule("python.call.exec", reads="qualname", names=EXEC_NAMES, emits=SPAWN_TYPES)
def exec_rule(ctx: Ctx, site: Site, name: str) -> None:
    call = site.node
    assert isinstance(call, ast.Call)
    code = call.args[0] if call.args else None
    for keyword in call.keywords:
        if code is None and keyword.arg in ("source", "object", "expression"):
            code = keyword.value
    if code is None or isinstance(code, ast.Starred):
        ctx.emit(SIGNAL_EXEC, site, {"how": name})
        return
    if not isinstance(code, ast.Constant):
        ctx.hint("dynamic-exec", site.node, ctx.top(site))
    while (
        isinstance(code, ast.Call)
        and code.args
        and ctx.qualname(code.func, site.scope) == "compile"
        and not isinstance(code.args[0], ast.Starred)
    ):
        code = code.args[0]  # exec(compile(src, ...)) runs src
    found = taint(ctx, code, site.scope)
    got = ctx.resolver.fold_str(code, site.scope)
    props = {"how": name}
    if _plain_text(found, got is not None):
        # `exec(open("pkg/version.py").read())`, `eval(marker)`, `exec("import x; x.hook()")`:
        # the package's own undecoded text or a short literal the nested analysis reads; no
        # payload to hide. Build-time code that does this is still a build (grading.py).
        props["code"] = "plain"
    ctx.emit(SIGNAL_EXEC, site, props)
    if name != "compile":
        # compile() makes a code object and runs nothing: the exec or eval that runs it is
        # where a payload is judged (`exec(compile(b64decode(x), ...))` through the taint).
        _payload(ctx, site, found, name)
    if got is not None and isinstance(got.value, str) and ctx.nested is not None:
        ctx.nested(ctx, got.value, site, name)


def _plain_text(found: Taint, folds: bool) -> bool:
    """Code that is neither decoded nor downloaded: read from a file, or a literal that folds
    (so the nested analysis reports what it does)."""
    if found.decoders or found.downloads or found.folded:
        return False
    return found.from_file or folds or found.max_literal < 200


@RULES.rule(
    "python.call.pickle",
    reads="qualname",
    names=PICKLE_LOADS,
    emits={"usesEval", SIGNAL_EXEC, "encodedPayloadExecution", "remoteCodeDownload"},
)
def pickle_rule(ctx: Ctx, site: Site, name: str) -> None:
    """Unpickling runs code; only data embedded in the file or decoded is worth a finding."""
    call = site.node
    assert isinstance(call, ast.Call)
    data = call.args[0] if call.args else None
    if data is None:
        return
    found = taint(ctx, data, site.scope)
    embedded = ctx.resolver.fold(data, site.scope) is not None
    if embedded or found.encoded or found.downloads:
        ctx.emit("usesEval", site, {"evalType": "pickle"})
        ctx.emit(SIGNAL_EXEC, site, {"how": "pickle"})
        _payload(ctx, site, found, "pickle")
