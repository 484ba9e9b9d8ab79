"""The script files a lifecycle script runs (`node install.js`, `sh ./x.sh`, `python setup.py`)."""

from __future__ import annotations

import posixpath

from depshield.analyzers.shell.parse import Command, Word, parse_script

_NODE = frozenset({"node", "nodejs", "bun", "ts-node", "tsx", "babel-node", "esno", "deno"})
_PYTHON = frozenset({"python", "python2", "python3", "py", "pypy", "pypy3", "pythonw"})
_POSIX_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "source", "."})
# Options that take the next word as their value; for node, -r/--require/--import name a
# module that is loaded first, which is an entry file too when it is a relative path.
_NODE_VALUE_OPTS = frozenset(
    {
        "-r",
        "--require",
        "--import",
        "--loader",
        "--experimental-loader",
        "--env-file",
        "-C",
        "--conditions",
        "--title",
        "--input-type",
    }
)
_NODE_PRELOAD_OPTS = frozenset({"-r", "--require", "--import", "--loader", "--experimental-loader"})
_PYTHON_VALUE_OPTS = frozenset({"-W", "-X", "--check-hash-based-pycs"})
# Process managers that start a node script in the background (`forever start x.js`,
# `pm2 start x.js`): an install script that daemonises a shipped file leaves it running
# after the install ends, the way implants persist.
_DAEMONS = frozenset({"forever", "pm2"})
# Inline code or a module run by name: no file of the package is named.
_INLINE = frozenset({"-e", "--eval", "-p", "--print", "-c", "-m"})


def script_entry_files(text: str) -> list[str]:
    """Relative POSIX paths of the JavaScript, Python and shell files `text` runs, in order.

    Paths are as written, normalised (`./scripts/x.js` -> `scripts/x.js`, Windows separators
    turned into `/`); a file given without extension (`node install`) is returned as is, for
    the caller to resolve the way node does. Computed, absolute and `..` paths are dropped.
    """
    out: list[str] = []
    for cmd in parse_script(text).commands:
        for raw in _entries(cmd):
            path = _normalise(raw)
            if path is not None and path not in out:
                out.append(path)
    return out


def _entries(cmd: Command) -> list[str]:
    if cmd.name in _NODE:
        args = cmd.args[1:] if cmd.name == "deno" and cmd.args[:1] == (Word("run"),) else cmd.args
        return _runner_entries(args, _NODE_VALUE_OPTS, _NODE_PRELOAD_OPTS)
    if cmd.name in _PYTHON:
        return _runner_entries(cmd.args, _PYTHON_VALUE_OPTS, frozenset())
    if cmd.name in _DAEMONS:
        args = cmd.args[1:] if cmd.args[:1] and cmd.args[0].text == "start" else cmd.args
        scripts = _runner_entries(args, frozenset(), frozenset())
        return [s for s in scripts if s.endswith((".js", ".cjs", ".mjs"))]
    if cmd.name in _POSIX_SHELLS:
        return _runner_entries(cmd.args, frozenset({"-o", "-O"}), frozenset())
    if _is_path(cmd.program):  # `./install.sh`, `.\scripts\x.cmd`
        return [cmd.program]
    return []


def _runner_entries(
    args: tuple[Word, ...], value_opts: frozenset[str], preload_opts: frozenset[str]
) -> list[str]:
    found: list[str] = []
    i = 0
    while i < len(args):
        opt = args[i].text
        if opt in _INLINE:
            return found
        if opt in preload_opts and i + 1 < len(args) and _is_path(args[i + 1].text):
            found.append(args[i + 1].text)
        if opt.startswith("-") and opt != "-":
            i += 2 if opt in value_opts else 1
            continue
        if not args[i].computed and opt != "-":  # the first operand is the script
            found.append(opt)
        return found
    return found


def _is_path(word: str) -> bool:
    return word.startswith((".", "/")) or "/" in word or "\\" in word


def _normalise(raw: str) -> str | None:
    path = raw.replace("\\", "/")
    if not path or any(c in path for c in "$%*?`") or path.startswith("/") or ":" in path:
        return None
    path = posixpath.normpath(path)
    if path in (".", "..") or path.startswith("../") or path.startswith("node_modules/"):
        return None
    return path
