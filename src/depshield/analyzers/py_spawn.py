"""Rules for calls that run code: processes, exec/eval/compile and pickle, with their payloads."""

from __future__ import annotations

import ast
import base64
import binascii
import re
import shlex

from depshield.analyzers import shell, strings
from depshield.analyzers.base import SIGNAL_DOWNLOAD, SIGNAL_EXEC, SIGNAL_SPAWN
from depshield.analyzers.py_context import Ctx, arg, tokens_of
from depshield.analyzers.py_flow import Taint, taint
from depshield.analyzers.py_paths import UNKNOWN
from depshield.analyzers.py_scope import Site

_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "fish"})
_PYTHON = re.compile(r"^(python[\d.]*w?|py)(\.exe)?$", re.IGNORECASE)
# Bounded gaps ({0,N}) keep every pattern linear on hostile, very long command lines.
_PS_ENCODED = re.compile(
    r"\b(?:powershell|pwsh)(?:\.exe)?\b.{0,400}?\s[-/]e(?:c|n|nc\w*)?\s+['\"]?"
    r"([A-Za-z0-9+/=]{16,})",
    re.IGNORECASE | re.DOTALL,
)
_PIPE_TO_SHELL = re.compile(
    r"\b(?:curl|wget)\b[^|;&\n]{0,500}\|\s*(?:sudo\s+)?(?:(?:ba|z|da|k)?sh|python\d?|perl)\b",
    re.IGNORECASE,
)
_PS_DOWNLOAD_RUN = re.compile(
    r"\b(?:iex|invoke-expression)\b.{0,400}?\b(?:downloadstring|invoke-webrequest|iwr|irm"
    r"|invoke-restmethod)\b|\b(?:downloadstring|iwr|irm|invoke-webrequest)\b.{0,400}?\|\s*iex\b",
    re.IGNORECASE | re.DOTALL,
)
# A file fetched by a command and started by the same command line.
_FETCH_THEN_START = re.compile(
    r"(?:invoke-webrequest|\biwr\b|downloadfile|certutil\b[^\n]{0,200}-urlcache"
    r"|bitsadmin\b[^\n]{0,200}/transfer|\bcurl\b[^\n|]{0,200}\s-[a-z]*o\s"
    r"|\bwget\b[^\n|]{0,200}\s-o\s)"
    r"[^\n]{0,400}?(?:start-process|\bstart\s|\.(?:exe|bat|cmd|ps1|sh|vbs)\b[^\n]{0,200}?"
    r"(?:&&|;|\|\|)\s*(?:\.?[\\/])?\S{1,200}\.(?:exe|bat|cmd|ps1|sh|vbs)\b|\bchmod\s+\+x)",
    re.IGNORECASE,
)
_REVERSE = re.compile(
    r"/dev/(?:tcp|udp)/|\bnc(?:at)?\b[^|;&\n]{0,200}\s-\w*[ec]\s|\bmkfifo\b[^;\n]{0,200}\bnc\b"
    r"|\bsocat\b[^\n]{0,300}exec:",
    re.IGNORECASE,
)
_PIP_FROM_URL = re.compile(
    r"\bpip[\d.]*(?:\.exe)?\s+install\b[^|;&\n]{0,300}?\s['\"]?(?:git\+)?https?://", re.IGNORECASE
)
_MAX_COMMAND = 20_000  # characters of a command line the patterns look at
_NO_COMMAND_ARG = ("os.exec", "os.spawn", "os.posix_spawn")


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
    ctx.event("spawn", site, tokens, _program_tokens(ctx, site, command, text, tokens))
    if _stdio_is_socket(ctx, site, call):
        ctx.event("sockstdio", site)
    if text:
        _command_text(ctx, site, text, tokens)
        if not isinstance(command, ast.Constant):  # assembled at run time: scan what it becomes
            ctx.out.extend(strings.scan_literal(text, ctx.file, _line(site), ctx.top(site)))
    elif command is not None:
        _partial_command(ctx, site, command, tokens)
        _wrapper_calls(ctx, site, command)
    code = _python_c(ctx, site, argv)
    if code and ctx.nested is not None:
        ctx.nested(ctx, code, site, "python -c")
    if command is not None:
        _payload(ctx, site, taint(ctx, command, site.scope), "shell")


# Programs that start the file they are given: `cmd /c start x.exe`, `python x.py`.
_RUNNERS = frozenset(
    {
        "cmd",
        "start",
        "sh",
        "bash",
        "powershell",
        "pwsh",
        "wscript",
        "cscript",
        "rundll32",
        "regsvr32",
        "msiexec",
        "open",
        "xdg-open",
        "python",
        "python3",
        "pythonw",
        "node",
    }
)


def _program_tokens(
    ctx: Ctx, site: Site, command: ast.expr | None, text: str | None, tokens: frozenset[str]
) -> frozenset[str]:
    """The tokens of what a spawn runs as a program (all of them for a runner such as `cmd /c
    start` or `python`), so a file fetched by `curl -o f` links only to a run of `f`, not to
    `tar xf f`."""
    if command is None:
        return frozenset()
    first: ast.AST = command
    if isinstance(command, ast.List | ast.Tuple):
        if not command.elts:
            return frozenset()
        first = command.elts[0]
    elif isinstance(command, ast.JoinedStr) and command.values:
        first = command.values[0]
    shown = text or ctx.paths.text(command, site.scope) or ""
    word = shown.split(maxsplit=1)[0].strip("'\"") if shown.strip() else ""
    program = _PROGRAM_DIR.sub("", word).lower().removesuffix(".exe")
    if program in _RUNNERS:
        return tokens
    if isinstance(first, ast.Constant):
        return frozenset(t for t in tokens if t == word)
    return tokens_of([first], ctx, site.scope)


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


def _line(site: Site) -> int:
    return int(getattr(site.node, "lineno", 1))


def _command_text(ctx: Ctx, site: Site, text: str, tokens: frozenset[str]) -> None:
    line = _line(site)
    text = text[:_MAX_COMMAND]
    top = ctx.top(site)
    found = shell.analyze_shell(text, ctx.file, line - 1, top)
    ctx.out.extend(found)
    if any(f.type == SIGNAL_DOWNLOAD for f in found) and _SAVES_OUTPUT.search(text):
        # `curl URL -o path`: a write of downloaded data that a later run of `path` links to
        ctx.event("write-data", site, tokens, frozenset({"downloaded", "by-command"}))
    encoded = _PS_ENCODED.search(text)
    if encoded:
        decoded = _utf16_base64(encoded.group(1))
        props = {"pattern": "powershell-encoded-command", "decoded": (decoded or "")[:200]}
        ctx.emit("remoteCodeDownload", site, props, key=("rcd", site.node))
        ctx.emit(
            "encodedPayloadExecution",
            site,
            {"decoder": ["base64"], "sink": "powershell"},
            key=("epe", site.node),
        )
        if decoded:
            ctx.out.extend(strings.scan_literal(decoded, ctx.file, line, top))
    if _PIPE_TO_SHELL.search(text):
        pattern = "download-piped-to-shell"
    elif _PS_DOWNLOAD_RUN.search(text) or _FETCH_THEN_START.search(text):
        pattern = "download-then-run"
    elif top and _PIP_FROM_URL.search(text):
        # installing from a bare URL as the module loads: code no index or lockfile vouches for
        pattern = "installs-from-url"
    else:
        pattern = ""
    if pattern:
        ctx.emit("remoteCodeDownload", site, {"pattern": pattern}, key=("rcd", site.node))
    if _REVERSE.search(text):
        ctx.emit(
            "reverseShell",
            site,
            {"detail": "shell command wired to a socket"},
            key=("revshell", site.node),
        )


def _wrapper_calls(ctx: Ctx, site: Site, command: ast.expr) -> None:
    """`def run(cmd): subprocess.Popen(cmd, shell=True)` called as `run("powershell ...")`:
    each literal command handed to the wrapper is judged where the wrapper is called."""
    func = site.scope.node
    if not isinstance(command, ast.Name) or not isinstance(func, ast.FunctionDef):
        return
    params = [a.arg for a in [*func.args.posonlyargs, *func.args.args]]
    if command.id not in params or site.scope.assigns.get(command.id, [None]) != [None]:
        return  # not a parameter, or rebound in the body
    index = params.index(command.id)
    for caller in ctx.index.calls:
        call = caller.node
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
            continue
        given = arg(call, index, command.id) if call.func.id == func.name else None
        if given is None:
            continue
        text = ctx.resolver.text(given, caller.scope)
        if text:
            _command_text(ctx, caller, text, tokens_of([given], ctx, caller.scope))


def _partial_command(ctx: Ctx, site: Site, command: ast.expr, tokens: frozenset[str]) -> None:
    """A command line with unknown parts (`'echo %s | base64 -d | bash' % blob`, `[curl, url,
    '-o', path]`): what its known words do is judged, unknown words stay `{?}`. A line whose
    program itself is unknown says nothing (`f'{compiler} -c {src}'`)."""
    if isinstance(command, ast.List | ast.Tuple):
        words = [ctx.paths.text(e, site.scope) or UNKNOWN for e in command.elts]
        if not words:
            return
        # `%WINDIR%\System32\curl.exe` is curl to the shell analyzer
        words[0] = _PROGRAM_DIR.sub("", words[0])
        text = " ".join(shlex.quote(w) if w != UNKNOWN else w for w in words)
        program = words[0]
    else:
        text = ctx.paths.text(command, site.scope) or ""
        program = text.split(maxsplit=1)[0].strip("'\"") if text.strip() else UNKNOWN
    if not program or UNKNOWN in _PROGRAM_DIR.sub("", program) or not _telling(text):
        return
    _command_text(ctx, site, text, tokens)
    ctx.out.extend(strings.scan_literal(text, ctx.file, _line(site), ctx.top(site)))


_TELLING_SHELL = frozenset({SIGNAL_DOWNLOAD, "signal:decode", "remoteCodeDownload", "reverseShell"})


def _telling(text: str) -> bool:
    """Whether a partly known command line fetches, decodes or wires up something: only then
    is it worth judging (`python {?}/gen.py`, a build running its generated script, is not)."""
    patterns = (_PIPE_TO_SHELL, _PS_DOWNLOAD_RUN, _FETCH_THEN_START, _REVERSE, _PS_ENCODED)
    if any(p.search(text) for p in (*patterns, _PIP_FROM_URL)):
        return True
    found = shell.analyze_shell(text[:_MAX_COMMAND], "", 0, False)
    return any(f.type in _TELLING_SHELL or f.type == "encodedPayloadExecution" for f in found)


_PROGRAM_DIR = re.compile(r"^.*[\\/]")
_SAVES_OUTPUT = re.compile(r"\s(?:-o|-O|--output|--output-document|-OutFile|-outfile)\s|>", re.I)


def _utf16_base64(blob: str) -> str | None:
    """PowerShell -EncodedCommand is base64 of UTF-16LE text."""
    try:
        return base64.b64decode(blob + "=" * (-len(blob) % 4)).decode("utf-16-le")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def _payload(ctx: Ctx, site: Site, found: Taint, sink: str) -> None:
    # Decoding a file and running it as code hides the code as well; unpickling a decoded
    # cache file is ordinary, so pickle needs an embedded or downloaded blob.
    hidden_code = sink != "pickle" and found.from_file and bool(found.decoders)
    if found.encoded or hidden_code:
        ctx.emit(
            "encodedPayloadExecution",
            site,
            {"decoder": sorted(found.decoders), "sink": sink},
            key=("epe", site.node),
        )
        if found.max_literal >= 1000:
            ctx.hint("encoded-blob", site.node, ctx.top(site))
    if found.downloads:
        ctx.emit(
            "remoteCodeDownload",
            site,
            {"pattern": "download-executed", "sink": sink, "detail": sorted(found.downloads)[0]},
            key=("rcd", site.node),
        )


def exec_rule(ctx: Ctx, site: Site, name: str) -> None:
    call = site.node
    assert isinstance(call, ast.Call)
    code = call.args[0] if call.args else None
    for keyword in call.keywords:
        if code is None and keyword.arg in ("source", "object", "expression"):
            code = keyword.value
    if code is None or isinstance(code, ast.Starred):
        return
    _payload(ctx, site, taint(ctx, code, site.scope), name)
    got = ctx.resolver.fold_str(code, site.scope)
    if got is not None and isinstance(got.value, str) and ctx.nested is not None:
        ctx.nested(ctx, got.value, site, name)


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
