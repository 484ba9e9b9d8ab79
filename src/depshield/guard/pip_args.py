"""Reading a `pip install` command line: requirements, files, and what pip would have to build."""

from __future__ import annotations

import re
from dataclasses import dataclass


def _words(text: str) -> list[str]:
    return text.split()


# pip options that take the next word as their value (general and `install` options).
_VALUED = frozenset(
    _words(
        "--python --log --log-file --proxy --retries --timeout --exists-action --trusted-host "
        "--cert --client-cert --cache-dir --keyring-provider --use-feature --use-deprecated "
        "-r --requirement -c --constraint -e --editable -t --target --platform --python-version "
        "--implementation --abi --root --prefix --src --upgrade-strategy -i --index-url "
        "--extra-index-url -f --find-links --no-binary --only-binary --progress-bar --report "
        "--global-option --config-settings -C --root-user-action"
    )
)
# Dropped from the resolution run: the guard sets its own report and binary-only choice.
_DROPPED = frozenset(_words("--report --no-binary --only-binary"))
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://|^git\+|@\s*\S+://", re.IGNORECASE)
_ARCHIVE = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar")


@dataclass(frozen=True, slots=True)
class PipCommand:
    subcommand: str | None
    requirements: tuple[str, ...]  # positional requirement specifiers and paths
    files: tuple[str, ...]  # -r files
    editables: tuple[str, ...]  # -e values
    resolution_args: tuple[str, ...]  # the install arguments minus the ones the guard sets


def parse_pip(args: list[str] | tuple[str, ...]) -> PipCommand:
    """`pip [options] install [options] <requirements>`."""
    subcommand: str | None = None
    requirements: list[str] = []
    files: list[str] = []
    editables: list[str] = []
    kept: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        name, has_value, value = arg.partition("=")
        if arg.startswith("-") and arg != "-":
            if name in _VALUED and not has_value and index + 1 < len(args):
                index += 1
                value = args[index]
                arg_words = [arg, value]
            else:
                arg_words = [arg]
            if name in ("-r", "--requirement"):
                files.append(value)
            elif name in ("-e", "--editable"):
                editables.append(value)
            if name not in _DROPPED:
                kept += arg_words
        elif subcommand is None:
            subcommand = arg
        else:
            requirements.append(arg)
            kept.append(arg)
        index += 1
    return PipCommand(subcommand, tuple(requirements), tuple(files), tuple(editables), tuple(kept))


def needs_build(item: str) -> bool:
    """Whether pip would have to build `item` (a path, an archive, a URL, a VCS checkout) rather
    than pick a release from the index: resolving it with pip would run its build code."""
    if _URL.search(item):
        return True
    if item.lower().endswith(_ARCHIVE):
        return True
    # pip reads a bare word as a project name even when a folder of that name exists.
    return item.startswith((".", "/", "~")) or "/" in item or "\\" in item
