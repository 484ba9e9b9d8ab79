"""Analysis of shell text: lifecycle scripts, .sh files, command strings passed to a shell."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from depshield.analyzers.base import (
    SIGNAL_DECODE,
    SIGNAL_DOWNLOAD,
    SIGNAL_SINK,
    SIGNAL_SOURCE,
    SIGNAL_SPAWN,
)
from depshield.analyzers.rule import Collector
from depshield.analyzers.shell.entry import script_entry_files
from depshield.analyzers.shell.facts import (
    BUILTINS,
    EVALS,
    INTERPRETERS,
    NETCATS,
    RUNNERS,
    is_decode,
    is_download,
    powershell_encoded,
    reads_stdin,
    sink_kind,
    sources,
)
from depshield.analyzers.shell.family import COMMAND_TYPES, RULES
from depshield.analyzers.shell.parse import (
    SHELLS,
    Command,
    Script,
    Word,
    command_key,
    parse_script,
    shell_text_arg,
)
from depshield.analyzers.shell.upload import upload_findings
from depshield.analyzers.strings import scan_literal
from depshield.model import Finding

__all__ = ["analyze_shell", "script_entry_files"]

_EVIDENCE = 200
# A bash socket to somewhere else than this machine (a port probe of localhost is no sink).
_DEV_SOCKET = re.compile(r"/dev/(?:tcp|udp)/(?!localhost/|127\.|0\.0\.0\.0/|\[?::1\]?/)")
# What a program name looks like; PowerShell method calls parsed as bash (".DownloadString",
# "x'") are not processes.
_PLAUSIBLE_PROGRAM = re.compile(r"(?:\.{0,2}[/\\]|[A-Za-z]:\\)?[\w@+-][\w@+.:/\\-]*|\.|\[\[?")


@dataclass(frozen=True, slots=True)
class ShellText:
    """What a script-wide shell rule reads: the parsed script and the text it came from."""

    script: Script
    text: str
    file: str
    line_offset: int
    top: bool


def analyze_shell(
    text: str, file: str, line_offset: int = 0, top_level: bool = True
) -> list[Finding]:
    """Findings for shell `text` whose first line is line `line_offset + 1` of `file`."""
    src = ShellText(parse_script(text, line_offset), text, file, line_offset, top_level)
    out = _Findings()
    for rule in RULES:
        with out.rule(rule):
            if rule.reads == "command":
                for cmd in src.script.commands:
                    out.extend(rule.fn(cmd, file, top_level))
            else:
                out.extend(rule.fn(src))
    return out.findings


@RULES.rule("shell.command", reads="command", emits=COMMAND_TYPES)
def _command_findings(cmd: Command, file: str, top: bool) -> Iterator[Finding]:
    """Each command: processes, downloads, sinks, decodes, sources, and its literal words."""

    def f(type_: str, props: dict[str, object]) -> Finding:
        return Finding(type_, file, cmd.line, _clip(cmd.text), dict(props), top)

    if cmd.name not in BUILTINS and _PLAUSIBLE_PROGRAM.fullmatch(cmd.program):
        yield f(SIGNAL_SPAWN, {"command": cmd.name, "args": _clip(_join(cmd.args))})
    if cmd.name in SHELLS or cmd.name == "eval":
        yield f("shellAccess", {"module": "sh", "command": cmd.name})
    if is_download(cmd):
        yield f("networkAccess", {"module": cmd.name})
        yield f(SIGNAL_DOWNLOAD, {"detail": _url_of(cmd)})
    sink = sink_kind(cmd)
    if sink:
        yield f(SIGNAL_SINK, {"kind": sink, "detail": _url_of(cmd)})
    if is_decode(cmd):
        yield f(SIGNAL_DECODE, {"how": "hex" if cmd.name == "xxd" else "base64"})
    for kind, detail in sources(cmd):
        yield f(SIGNAL_SOURCE, {"kind": kind, "detail": detail})
    if cmd.name in INTERPRETERS | EVALS:
        if any(is_download(i) for i in cmd.inner):
            yield f("remoteCodeDownload", {"how": "substitution", "run": cmd.name})
        if any(is_decode(i) for i in cmd.inner):
            yield f("encodedPayloadExecution", {"how": "substitution", "run": cmd.name})
    if powershell_encoded(cmd):
        yield f(SIGNAL_DECODE, {"how": "base64"})
        yield f("encodedPayloadExecution", {"how": "powershell -EncodedCommand", "run": cmd.name})
    yield from _literal_findings(cmd, file, top)


@RULES.rule(
    "shell.pipeline", reads="script", emits={"remoteCodeDownload", "encodedPayloadExecution"}
)
def _pipeline_findings(src: ShellText) -> Iterator[Finding]:
    """A download or a decode piped into an interpreter: `curl URL | sh`, `base64 -d | bash`."""
    script, file, top = src.script, src.file, src.top
    for stages in script.pipelines:
        fetched = decoded = False
        for cmd in stages:
            if cmd.name in INTERPRETERS and reads_stdin(cmd):
                props = {"how": "pipe", "run": cmd.name}
                if fetched:
                    yield Finding(
                        "remoteCodeDownload", file, cmd.line, _clip(_pipe_text(stages)), props, top
                    )
                if decoded:
                    yield Finding(
                        "encodedPayloadExecution",
                        file,
                        cmd.line,
                        _clip(_pipe_text(stages)),
                        props,
                        top,
                    )
            fetched = fetched or is_download(cmd)
            decoded = decoded or is_decode(cmd)


@RULES.rule("shell.reverse-shell", reads="script", emits={"reverseShell"})
def _reverse_shell_findings(src: ShellText) -> Iterator[Finding]:
    """A shell wired to a socket: `nc host 4444 -e /bin/sh`, `sh -i 2>&1 | nc host 4444`."""
    script, file, top = src.script, src.file, src.top
    for cmd in script.commands:
        if cmd.name in NETCATS and any(a.text in ("-e", "-c") for a in cmd.args):
            yield Finding("reverseShell", file, cmd.line, _clip(cmd.text), {"how": "nc -e"}, top)
    for stages in script.pipelines:
        names = {c.name for c in stages}
        if names & NETCATS and names & SHELLS:
            line = stages[-1].line
            yield Finding(
                "reverseShell",
                file,
                line,
                _clip(_pipe_text(stages)),
                {"how": "shell piped to a socket"},
                top,
            )


@RULES.rule("shell.sequence", reads="script", emits={"remoteCodeDownload"})
def _sequence_findings(src: ShellText) -> Iterator[Finding]:
    """A download saved to a file, then that file run: `curl -o f URL && chmod +x f && ./f`;
    not when a checksum or signature check comes between them."""
    script, file, top = src.script, src.file, src.top
    compared = _COMPARED_DIGEST.search(src.text)
    saved: dict[str, Command] = {}
    verified = False
    for cmd in script.commands:
        verified = verified or _verifies(cmd, compared is not None)
        ran = _runs_saved_file(cmd, saved)
        if ran is not None and not verified:
            props = {"how": "saved file", "download": _url_of(ran), "run": cmd.program}
            yield Finding("remoteCodeDownload", file, cmd.line, _clip(cmd.text), props, top)
        if is_download(cmd):
            saved.update(dict.fromkeys(_saved_names(cmd), cmd))


_DIGESTS = frozenset({"sha256sum", "sha512sum", "sha1sum", "shasum", "b2sum", "md5sum"})
# A digest's output captured for a comparison: `[ "$(sha256sum f | cut ...)" = "$SUM" ]`.
_COMPARED_DIGEST = re.compile(r"(?:\$\(|`)\s*(?:sha\d*sum|shasum|b2sum|md5sum|openssl\s+dgst)\b")
_SIGNATURES = {"gpg": "--verify", "gpgv": "", "cosign": "verify", "minisign": "-V"}


def _verifies(cmd: Command, compared: bool) -> bool:
    """A checksum or signature check (`sha256sum -c`, `[ "$(sha256sum f)" = "$SUM" ]`,
    `gpg --verify`): installers that fetch their own release check it before they run it."""
    words = {a.text for a in cmd.args}
    if cmd.name in _DIGESTS:
        return compared or bool(words & {"-c", "--check"})
    verb = _SIGNATURES.get(cmd.name)
    return verb is not None and (not verb or verb in words)


def _saved_names(cmd: Command) -> set[str]:
    """Keys of the files a download may have written: its non-option words and URL basenames."""
    names = set()
    for a in cmd.args:
        text = a.text.split("=", 1)[-1] if a.text.startswith("-") else a.text
        if "://" in text:
            text = text.split("?", 1)[0].split("#", 1)[0]
        elif a.text.startswith("-"):
            continue
        base = _basename(text)
        if base and base not in ("-", ".", ".."):
            names.add(base)
    return names


def _runs_saved_file(cmd: Command, saved: dict[str, Command]) -> Command | None:
    if not saved or cmd.name == "chmod" or is_download(cmd):
        return None
    program_is_path = any(c in cmd.program for c in "/\\") or "." in cmd.program
    if program_is_path and _basename(cmd.program) in saved:
        return saved[_basename(cmd.program)]
    if cmd.name in RUNNERS:
        for a in cmd.args:
            base = _basename(a.text.split(",", 1)[0])  # rundll32 x.dll,Entry
            if base in saved:
                return saved[base]
    return None


def _literal_findings(cmd: Command, file: str, top: bool) -> Iterator[Finding]:
    """scan_literal on argument words (URLs, credential paths), except a shell's own text."""
    skip = shell_text_arg(cmd.name, cmd.args)
    for a in (Word(cmd.program), *cmd.args):
        text = a.text.split("=", 1)[-1] if a.text.startswith("--") else a.text
        if len(text) >= 4 and text != skip:
            yield from scan_literal(text, file, cmd.line, top)


@RULES.rule("shell.upload", reads="script", emits={"dataExfiltration"})
def _upload(src: ShellText) -> Iterator[Finding]:
    """Secrets or the environment sent with an upload (shell/upload.py)."""
    return upload_findings(src.script, src.file, src.top)


@RULES.rule(
    "shell.dev-socket",
    reads="script",
    emits={"networkAccess", SIGNAL_SINK, "reverseShell"},
)
def _dev_tcp_findings(src: ShellText) -> Iterator[Finding]:
    """bash's /dev/tcp sockets live in redirections, which are not command arguments."""
    text, file, line_offset, top = src.text, src.file, src.line_offset, src.top
    if "/dev/tcp/" not in text and "/dev/udp/" not in text:
        return  # cheap test before the line loop
    for n, line in enumerate(text.splitlines(), start=line_offset + 1):
        if _DEV_SOCKET.search(line):
            yield Finding(
                "networkAccess", file, n, _clip(line.strip()), {"module": "/dev/tcp"}, top
            )
            yield Finding(
                SIGNAL_SINK,
                file,
                n,
                _clip(line.strip()),
                {"kind": "network", "detail": line.strip()},
                top,
            )
            if re.search(r"\b(?:ba|z|k)?sh\b.*(?:0>&1|<&|>&)", line):
                yield Finding(
                    "reverseShell", file, n, _clip(line.strip()), {"how": "/dev/tcp"}, top
                )


def _url_of(cmd: Command) -> str:
    for a in cmd.args:
        if "://" in a.text:
            return _clip(a.text)
    return _clip(cmd.text)


def _basename(path: str) -> str:
    return command_key(path.rstrip("/\\")) if path else ""


def _pipe_text(stages: Iterable[Command]) -> str:
    return " | ".join(c.text for c in stages)


def _join(words: Iterable[Word]) -> str:
    return " ".join(w.text for w in words)


def _clip(text: str) -> str:
    return text if len(text) <= _EVIDENCE else text[: _EVIDENCE - 3] + "..."


class _Findings(Collector):
    """One finding per (type, line, evidence, props): `sh -c` texts are seen twice."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[tuple[str, int, str, str]] = set()

    def extend(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.check(f.type)
            key = (f.type, f.line, f.evidence, repr(sorted(f.props.items())))
            if key not in self._seen:
                self._seen.add(key)
                self.findings.append(f)
