"""Command lines a Python spawn runs: what their text fetches, decodes or wires up, lines only
partly known, commands handed to local wrappers, and which file a spawn runs as its program."""

from __future__ import annotations

import ast
import base64
import binascii
import re
import shlex

from depshield.analyzers import shell, strings
from depshield.analyzers.base import SIGNAL_DOWNLOAD
from depshield.analyzers.python.context import Ctx, arg, tokens_of
from depshield.analyzers.python.paths import UNKNOWN
from depshield.analyzers.python.scope import Site

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
        "py",
        "node",
    }
)


def program_tokens(
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


def line_of(site: Site) -> int:
    return int(getattr(site.node, "lineno", 1))


def command_text(ctx: Ctx, site: Site, text: str, tokens: frozenset[str]) -> None:
    line = line_of(site)
    text = text[:_MAX_COMMAND]
    top = ctx.top(site)
    found = shell.analyze_shell(text, ctx.file, line - 1, top)
    ctx.out.extend(found)
    if any(f.type == SIGNAL_DOWNLOAD for f in found) and _SAVES_OUTPUT.search(text):
        # `curl URL -o path`: a write of downloaded data that a later run of `path` links to
        saved = tokens | _saved_paths(text)
        ctx.event("write-data", site, saved, frozenset({"downloaded", "by-command"}))
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


def wrapper_calls(ctx: Ctx, site: Site, command: ast.expr) -> None:
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
            command_text(ctx, caller, text, tokens_of([given], ctx, caller.scope))


def partial_command(ctx: Ctx, site: Site, command: ast.expr, tokens: frozenset[str]) -> None:
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
    command_text(ctx, site, text, tokens)
    ctx.out.extend(strings.scan_literal(text, ctx.file, line_of(site), ctx.top(site)))


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


_OUTPUT_PATH = re.compile(
    r"\s(?:-o|-O|--output|--output-document|-OutFile|-outfile)[\s=]+(\"[^\"]+\"|'[^']+'|\S+)"
    r"|>\s*(\"[^\"]+\"|'[^']+'|\S+)",
    re.I,
)


def _saved_paths(text: str) -> frozenset[str]:
    """The files `curl URL -o "{tmp}/x.exe"` saves to, so that a later command naming the same
    path (`cmd /c start "" "{tmp}/x.exe"`) links to the download; a path that is only a
    placeholder (`-o {?}`) names nothing."""
    found = set()
    for match in _OUTPUT_PATH.finditer(text):
        path = (match.group(1) or match.group(2)).strip("\"'")
        if not path.startswith("/dev/") and len(re.sub(r"\{\?\}|[/\\.]", "", path)) >= 4:
            found.add(path)
    return frozenset(found)


def _utf16_base64(blob: str) -> str | None:
    """PowerShell -EncodedCommand is base64 of UTF-16LE text."""
    try:
        return base64.b64decode(blob + "=" * (-len(blob) % 4)).decode("utf-16-le")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
