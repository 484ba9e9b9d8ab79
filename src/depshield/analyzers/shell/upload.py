"""Shell uploads of secrets: `curl -d @~/.ssh/id_rsa`, `cat /opt/* | base64 | curl -d @- URL`.

An upload is exfiltration when what it sends is a credential file, the environment, or a glob
over the machine's own directories (`/opt/*`, `~/*`); uploading a file of the project
(`curl --data-binary @coverage.xml`, a CI report) is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from depshield.analyzers.shell.facts import NETCATS
from depshield.analyzers.shell.parse import Command, Script
from depshield.analyzers.string_patterns import PATTERNS
from depshield.model import Finding

_SECRET_PATHS = tuple(p.regex for p in PATTERNS if p.kind in ("sensitive-file", "credential-store"))
# A glob over the machine rather than the project: `/opt/*`, `~/*`, `$HOME/.config/*`.
_HOST_GLOB = re.compile(r"^(?:/|~|\$\{?HOME\}?)[^*?]*[*?]")
# Readers whose output is file or environment content.
_READERS = frozenset({"cat", "tar", "zip", "gzip", "base64", "xxd", "head", "tail", "find"})
_ENV_DUMPS = frozenset({"env", "printenv", "set"})
_CURL_FILE_OPTS = frozenset({"-d", "--data", "--data-binary", "--data-urlencode", "-T"})
_CURL_FILE_OPTS |= {"--upload-file", "-F", "--form", "--json"}
_EVIDENCE = 200


def upload_findings(script: Script, file: str, top: bool) -> Iterator[Finding]:
    for cmd in script.commands:
        for path in _uploaded_files(cmd):
            kind = _secret_kind(path)
            if kind:
                yield _finding(cmd, file, top, kind, f"uploads {path}")
    for stages in script.pipelines:
        sender = next((i for i, c in enumerate(stages) if i and _sends_stdin(c)), None)
        if sender is None:
            continue
        for cmd in stages[:sender]:
            kind = _read_kind(cmd)
            if kind:
                last = stages[sender]
                evidence = " | ".join(c.text for c in stages)
                yield _finding(last, file, top, kind, f"{cmd.name} piped to {last.name}", evidence)
                break


def _finding(
    cmd: Command, file: str, top: bool, kind: str, how: str, evidence: str | None = None
) -> Finding:
    text = evidence or cmd.text
    text = text if len(text) <= _EVIDENCE else text[: _EVIDENCE - 3] + "..."
    props = {"pattern": "file-upload", "source": [kind], "sink": ["network"], "how": how}
    return Finding("dataExfiltration", file, cmd.line, text, props, top)


def _uploaded_files(cmd: Command) -> Iterator[str]:
    """Files curl or wget send: `-d @f`, `--data-binary=@f`, `-F x=@f`, `-T f`, `--post-file=f`."""
    words = [a.text for a in cmd.args]
    if cmd.name == "wget":
        for w in words:
            if w.startswith(("--post-file=", "--body-file=")):
                yield w.split("=", 1)[1]
        return
    if cmd.name != "curl":
        return
    for i, word in enumerate(words):
        if word.startswith("--") and "=" in word:
            name, value = word.split("=", 1)
        else:
            name, value = word, words[i + 1] if i + 1 < len(words) else ""
        if not _curl_upload_opt(name):
            continue
        if name in ("-F", "--form") or (name[1:2] != "-" and name.endswith("F")):
            value = value.split("=", 1)[-1]  # -F field=@path
        if name in ("-T", "--upload-file") or (name[1:2] != "-" and name.endswith("T")):
            path = value
        elif value.startswith(("@", "<")):
            path = value[1:]
        else:
            continue
        if path and path != "-":
            yield path


def _curl_upload_opt(name: str) -> bool:
    """An upload option, alone or closing a cluster of short flags (`-sd`, `-sSF`)."""
    if name in _CURL_FILE_OPTS:
        return True
    return name[:1] == "-" and name[1:2] != "-" and len(name) > 2 and name[-1] in "dFT"


def _sends_stdin(cmd: Command) -> bool:
    if cmd.name in NETCATS:
        return True
    words = [a.text for a in cmd.args]
    if cmd.name == "curl":
        return any(w in ("@-", "-") or w.endswith(("=@-", "=<-")) for w in words)
    return cmd.name == "wget" and any(w in ("--post-file=-", "--body-file=-") for w in words)


def _read_kind(cmd: Command) -> str | None:
    if cmd.name in _ENV_DUMPS and not cmd.args:
        return "env-all"
    if cmd.name not in _READERS:
        return None
    for a in cmd.args:
        if a.text.startswith("-"):
            continue
        kind = _secret_kind(a.text)
        if kind:
            return kind
    return None


def _secret_kind(path: str) -> str | None:
    if any(p.search(path) for p in _SECRET_PATHS):
        return "sensitive-file"
    if _HOST_GLOB.match(path):
        return "host-files"
    return None
