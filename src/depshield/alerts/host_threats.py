"""Threats against the machine itself: droppers, sabotage, backdoors, hidden and remote tools."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from depshield.alerts.threat_base import Context, threat
from depshield.analyzers.base import SIGNAL_SPAWN, SIGNAL_WRITE
from depshield.model import Finding, Override, When


def dropper(ctx: Context) -> Iterable[Finding]:
    """Code starting an executable the package ships (a PE or ELF next to the script:
    `exec('dropper.exe')`): blocks at install or import; in a function that only runs when
    called it warns, and only when the code also makes the file executable."""
    if not ctx.native:
        return []
    for spawn in ctx.of(SIGNAL_SPAWN):
        text = (
            f"{spawn.evidence} {spawn.props.get('command') or ''} {spawn.props.get('args') or ''}"
        )
        if ctx.when is When.CALL and "chmod" not in text:
            # Wrappers of a bundled tool (clipboardy's xsel) start it when asked; making it
            # executable first, then running it, is the dropper's sequence.
            continue
        hit = next((n for n in ctx.native if n.rsplit("/", 1)[-1] in text), None)
        if hit is not None:
            return [threat("binaryDropper", ctx, spawn, [spawn], binary=hit)]
    return []


DESTRUCTIVE = (
    "shutdown ",
    "shutdown.exe",
    "rm -rf /",
    "rm -rf ~",
    "del /f /s /q",
    "format c:",
    "mkfs",
    ":(){ :|:& };:",
    "reboot",
)
_PRINTERS = frozenset({"echo", "printf", "write-host", "write-output"})
# A recursive delete aimed above the package (`rm -fr $DIR/../..` from the package folder is
# the project that installed it) or at the home folder, and disk fillers (`dd if=/dev/zero`).
_DESTRUCTIVE_RE = re.compile(
    r"\brm\s+-[a-z]*(?:rf|fr)[a-z]*\s+(?:\S*\.\./\.\./?|\$home/?|\$\{home\}/?|/\*|~/?\*?)(?:\s|$|[;&|])"
    r"|\bdd\s+if=/dev/(?:zero|urandom)\b"
)


def sabotage(ctx: Context) -> Iterable[Finding]:
    """Install-time commands that damage the machine: protestware and trolls. Nothing honest
    shuts the machine down or deletes outside its own folder while being installed, so these
    block like the other threats."""
    if ctx.when is not When.INSTALL:
        return []
    for spawn in ctx.of(SIGNAL_SPAWN):
        text = f"{spawn.props.get('command') or ''} {spawn.props.get('args') or ''}".lower()
        if text.split(" ", 1)[0] in _PRINTERS:
            continue  # `echo "reboot to finish"` only says the word
        if any(d in text + " " for d in DESTRUCTIVE) or _DESTRUCTIVE_RE.search(text):
            props = {"when": "install", "command": text}
            return [
                replace(spawn, type="troll", props=props, override=Override("critical", "error"))
            ]
    return []


# A URL naming a program or script to fetch: `node get.js https://x/a.exe`, `curl -o a.ps1 ...`.
_REMOTE_PROGRAM = re.compile(
    r"\bhttps?://[^\s'\"`]+?\.(?:exe|scr|msi|bat|cmd|ps1|vbs|hta|dll|sh|elf|bin)(?=$|[\s'\"`?#])",
    re.IGNORECASE,
)
# PowerShell told to hide its window: the classic way to run something the user must not see.
_HIDDEN_POWERSHELL = re.compile(
    r"powershell(?:\.exe)?\b.*\s-(?:w|win|window|windowstyle)\s+(?:h|hid|hidden)\b",
    re.IGNORECASE,
)


# Remote desktop tools: attackers start (or silently install) one to come back at will.
_REMOTE_ACCESS = re.compile(
    r"(?:^|[\\/\s'\"])(?:teamviewer|anydesk|rustdesk|screenconnect|connectwisecontrol)"
    r"(?:_service)?(?:\.exe)?\b",
    re.IGNORECASE,
)


def remote_program(ctx: Context) -> Iterable[Finding]:
    """A process started on a remote executable's URL (downloaders of droppers pass it on the
    command line), or a remote desktop tool started by the package. Both block wherever the
    code sits (issue 11: "only when called" softens ambiguous behaviour, not these): the
    program that runs is whatever the server sends, or a remote login for someone else. An
    archive or a page URL (`curl -LO .../tool-1.0.tar.gz`, `open https://x/docs`) is not one."""
    for spawn in ctx.of(SIGNAL_SPAWN):
        text = f"{spawn.props.get('command') or ''} {spawn.props.get('args') or ''}"
        if _REMOTE_PROGRAM.search(text):
            return [
                threat(
                    "remoteCodeDownload",
                    ctx,
                    spawn,
                    [spawn],
                    always_severe=True,
                    how="spawn-remote-program",
                )
            ]
        if _REMOTE_ACCESS.search(text):
            return [
                threat(
                    "reverseShell",
                    ctx,
                    spawn,
                    [spawn],
                    always_severe=True,
                    how="remote-desktop-tool",
                )
            ]
    return []


def hidden_window(ctx: Context) -> Iterable[Finding]:
    """Install- or import-time PowerShell told to hide its window: a package's users never
    asked for a program they cannot see, as they load it. Blocks (a build or a helper shows
    its console; nothing in the benign sets hides one), in code that runs when called it is
    not judged (a Windows automation library hides the windows it is asked to)."""
    if ctx.when is When.CALL:
        return []
    for spawn in ctx.of(SIGNAL_SPAWN):
        text = f"{spawn.props.get('command') or ''} {spawn.props.get('args') or ''}"
        if _HIDDEN_POWERSHELL.search(text):
            props = {"when": ctx.when.value, "reason": "PowerShell with a hidden window"}
            grade = Override("critical", "error")
            return [replace(spawn, type="troll", props=props, override=grade)]
    return []


def ssh_backdoor(ctx: Context) -> Iterable[Finding]:
    """Install- or import-time code adding a key to `~/.ssh/authorized_keys`: a remote login
    for whoever holds the private key, the way SSH backdoors persist (an SSH manager writing
    keys when it is asked to runs only when called, and is not judged here)."""
    if ctx.when is When.CALL:
        return []
    for write in ctx.of(SIGNAL_WRITE):
        if write.props.get("target") == "ssh-authorized-keys":
            return [threat("reverseShell", ctx, write, [write], how="ssh-authorized-keys")]
    return []


def user_folder_write(ctx: Context) -> Iterable[Finding]:
    """Install- or import-time code writing into the user's Desktop, Documents, OneDrive or
    Pictures (peacenotwar left its message on every Desktop): protestware, blocks. Nothing a
    package's users load has business there; a tool that saves where it is asked to runs
    only when called, and is not judged here."""
    if ctx.when is When.CALL:
        return []
    for write in ctx.of(SIGNAL_WRITE):
        if write.props.get("target") == "user-folder":
            props = {
                "when": ctx.when.value,
                "reason": "writes into the user's own folders as it loads",
            }
            grade = Override("critical", "error")
            return [replace(write, type="troll", props=props, override=grade)]
    return []
