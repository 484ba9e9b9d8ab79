"""What one shell command does: download, decode, read secrets, send data, run stdin."""

from __future__ import annotations

import re
from collections.abc import Iterator

from depshield.analyzers.shell.parse import SHELLS, Command

_DOWNLOADERS = frozenset({
    "curl", "wget", "iwr", "invoke-webrequest", "irm", "invoke-restmethod", "aria2c",
    "start-bitstransfer", "nc", "ncat", "netcat", "tftp"
})  # fmt: skip
# Download helpers only with these options: `certutil -urlcache -f URL out` (ua-parser-js),
# `bitsadmin /transfer job URL out`; PowerShell's WebClient inside any command text.
_DOWNLOAD_OPTS = {"certutil": ("-urlcache", "-verifyctl"), "bitsadmin": ("/transfer", "/addfile")}
_WEBCLIENT = ("downloadstring", "downloadfile", "net.webclient")
# What runs code given on stdin or as a file: the tail of `curl x | sh` and friends.
INTERPRETERS = SHELLS | frozenset({
    "python", "python2", "python3", "node", "nodejs", "perl", "ruby", "php", "iex",
    "invoke-expression", "bun", "deno"
})  # fmt: skip
# Commands that run the file named in their arguments (`start x.exe`, `regsvr32 x.dll`).
RUNNERS = INTERPRETERS | frozenset({
    "start", "call", "regsvr32", "rundll32", "msiexec", "wscript", "cscript", "mshta", "open",
    "xdg-open", "source", "."
})  # fmt: skip
EVALS = frozenset({"eval", "source", ".", "iex", "invoke-expression"})
# Options after which an interpreter runs its argument or a file, not its stdin.
_STDIN_OFF = frozenset({
    "-c", "-e", "--eval", "-p", "--print", "/c", "/k", "-command", "-file", "-f", "-m"
})  # fmt: skip
NETCATS = frozenset({"nc", "ncat", "netcat", "telnet", "socat"})
_DNS_TOOLS = frozenset({"nslookup", "dig", "host", "drill", "resolve-dnsname", "ping"})
# Builtins that start no process: reporting them as spawns would only add noise.
BUILTINS = frozenset({
    "echo", "exit", "true", "false", "cd", "export", "set", "test", "[", "[[", "printf", "read",
    "shift", "return", "local", "unset", ":", "rem", "@echo", "type", "pushd", "popd", "wait",
    "trap"
})  # fmt: skip
_SOURCE_COMMANDS = {
    "env": "env-all", "printenv": "env-all", "hostname": "hostname", "whoami": "userinfo",
    "id": "userinfo", "logname": "userinfo", "ifconfig": "system-info",
    "ipconfig": "system-info", "systeminfo": "system-info",
}  # fmt: skip
_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)|%([A-Za-z_][A-Za-z0-9_]*)%")
_SECRET_VAR = re.compile(
    r"TOKEN|SECRET|PASSW|API_?KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL|AUTH", re.IGNORECASE
)
_VAR_KINDS = {
    "HOSTNAME": "hostname", "COMPUTERNAME": "hostname", "USER": "userinfo",
    "USERNAME": "userinfo", "LOGNAME": "userinfo",
}  # fmt: skip


def is_download(cmd: Command) -> bool:
    """Whether `cmd` fetches content from the network."""
    if cmd.name in _DOWNLOADERS:
        return True
    lowered = [a.text.lower() for a in cmd.args]
    opts = _DOWNLOAD_OPTS.get(cmd.name)
    if opts and any(a in opts for a in lowered):
        return True
    # PowerShell's `(New-Object Net.WebClient).DownloadString(URL)`, as bash's grammar splits it.
    webclient = cmd.name == "new-object" or "download" in cmd.name
    return webclient and any(w in a for a in lowered for w in _WEBCLIENT)


def is_decode(cmd: Command) -> bool:
    """Whether `cmd` decodes base64 or hex (`base64 -d`, `openssl base64 -d`, `xxd -r`)."""
    args = {a.text.lower() for a in cmd.args}
    if cmd.name == "base64" or (cmd.name == "openssl" and args & {"base64", "enc"}):
        return bool(args & {"-d", "--decode"})  # lower-cased: macOS spells it -D
    if cmd.name == "xxd":
        return any(a.startswith("-r") for a in args)
    return cmd.name == "certutil" and bool(args & {"-decode", "-decodehex"})


def reads_stdin(cmd: Command) -> bool:
    """Whether an interpreter runs what arrives on stdin (`sh`, `bash -s`, `python -`, `iex`)."""
    if cmd.name in ("iex", "invoke-expression"):
        return True
    opts = [a.text.lower() for a in cmd.args if a.text.startswith(("-", "/"))]
    if any(o in _STDIN_OFF for o in opts):
        return False
    if "-s" in opts:
        return True
    positional = [a for a in cmd.args if not a.text.startswith(("-", "/")) or a.text == "-"]
    return not positional or positional[0].text == "-"


def sink_kind(cmd: Command) -> str | None:
    """`network` when a command sends data out, `dns` when a computed name is resolved."""
    if cmd.name in _DNS_TOOLS and any(a.computed for a in cmd.args):
        return "dns"
    if cmd.name == "curl" and any(_curl_sends(a.text) for a in cmd.args):
        return "network"
    opts = [a.text.lower() for a in cmd.args]
    if cmd.name == "wget" and any(o.startswith(("--post-", "--body-")) for o in opts):
        return "network"
    if cmd.name in ("iwr", "irm", "invoke-webrequest", "invoke-restmethod") and any(
        o in ("-body", "-infile") for o in opts
    ):
        return "network"
    if cmd.name in NETCATS:
        return "network"
    if is_download(cmd) and any(a.computed and "://" in a.text for a in cmd.args):
        return "network"  # data carried in the URL: curl https://x/$(whoami)
    return None


def _curl_sends(opt: str) -> bool:
    """curl options that upload (case matters: -f is --fail, -F is a form upload)."""
    if opt in ("-d", "-F", "-T", "--json", "--upload-file") or opt.startswith(("--data", "--form")):
        return True
    # A cluster of short flags ending in one that takes the body: `-sd @file`, `-sSF x=@y`.
    return opt[:1] == "-" and opt[1:2] != "-" and len(opt) > 2 and opt[-1] in "dFT"


def sources(cmd: Command) -> Iterator[tuple[str, str]]:
    if cmd.name in _SOURCE_COMMANDS and (cmd.name != "env" or not cmd.args):
        yield _SOURCE_COMMANDS[cmd.name], cmd.name
    elif cmd.name == "uname" and any(a.text in ("-n", "-a") for a in cmd.args):
        yield "hostname", cmd.text
    elif cmd.name == "set" and not cmd.args:
        yield "env-all", "set"
    elif cmd.name in ("get-childitem", "gci", "dir", "ls") and any(
        a.text.lower().startswith("env:") for a in cmd.args
    ):
        yield "env-all", cmd.text
    for a in cmd.args:
        for m in _VAR.finditer(a.text):
            var = m.group(1) or m.group(2)
            kind = _VAR_KINDS.get(var.upper())
            if kind is None and _SECRET_VAR.search(var):
                kind = "secret-env"
            if kind is not None:
                yield kind, var


def powershell_encoded(cmd: Command) -> bool:
    if cmd.name not in ("powershell", "pwsh"):
        return False
    args = [a.text.lower() for a in cmd.args]
    for opt, value in zip(args, args[1:], strict=False):
        is_enc = opt == "-ec" or (len(opt) >= 2 and "-encodedcommand".startswith(opt))
        if is_enc and len(value) >= 8:
            return True
    return False
