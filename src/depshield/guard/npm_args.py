"""Reading an npm or npx command line: which subcommand, which packages, which options matter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["install", "ci", "update", "exec", "other"]


def _words(text: str) -> list[str]:
    return text.split()


# npm's own command aliases (lib/utils/cmd-list.js), typos included.
_KINDS: dict[str, Kind] = {
    **dict.fromkeys(
        _words("install i in ins inst insta instal isnt isnta isntal isntall add install-test it"),
        "install",
    ),
    **dict.fromkeys(
        _words("ci clean-install ic install-clean isntall-clean install-ci-test cit"), "ci"
    ),
    **dict.fromkeys(_words("update up upgrade udpate"), "update"),
    **dict.fromkeys(_words("exec x"), "exec"),
}
# Options that take the next word as their value (when not written `--opt=value`).
_VALUED = frozenset(
    _words(
        "--prefix -C --registry --cache --userconfig --globalconfig --loglevel -w --workspace "
        "--tag --location --omit --include --install-strategy --before --save-prefix --otp "
        "--cpu --os --libc --package -p --call -c --script-shell --node-options"
    )
)
# Options that would stop a resolution run from writing the lockfile it is run for.
_DROPPED = frozenset(
    _words(
        "-g --global --no-save --save=false --no-package-lock --package-lock=false --dry-run "
        "--package-lock-only --location=global --location=user"
    )
)
_DROPPED_VALUED = frozenset(_words("--prefix -C --location"))


@dataclass(frozen=True, slots=True)
class NpmCommand:
    kind: Kind
    subcommand: str | None
    specs: tuple[str, ...]  # positionals after the subcommand (package specs; npx: command)
    options: tuple[str, ...]  # every other argument, in order, values included
    global_: bool = False
    prefix: str | None = None
    no_lock: bool = False
    packages: tuple[str, ...] = ()  # --package / -p values (npx, npm exec)

    def resolution_options(self) -> list[str]:
        """The user's options minus those that would keep a lockfile-only run from working."""
        out: list[str] = []
        skip = False
        for arg in self.options:
            if skip:
                skip = False
                continue
            name = arg.split("=", 1)[0]
            if arg in _DROPPED or (name in _DROPPED_VALUED and "=" in arg):
                continue
            if name in _DROPPED_VALUED:
                skip = True
                continue
            out.append(arg)
        return out


def parse_npm(args: list[str] | tuple[str, ...]) -> NpmCommand:
    """`npm [options] <command> [args]`: the first word that is no option's value is the command."""
    words, options, packages = _split(args)
    if not words:
        return NpmCommand("other", None, (), tuple(options))
    subcommand, specs = words[0], tuple(words[1:])
    kind = _KINDS.get(subcommand, "other")
    return _with_flags(NpmCommand(kind, subcommand, specs, tuple(options), packages=packages))


def parse_npx(args: list[str] | tuple[str, ...]) -> NpmCommand:
    """`npx [options] <pkg>[@version] [args...]`: everything after the package is its own."""
    options: list[str] = []
    packages: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if not arg.startswith("-") or arg == "--":
            break
        options.append(arg)
        if arg in ("--package", "-p") and index + 1 < len(args):
            packages.append(args[index + 1])
        elif arg.startswith("--package="):
            packages.append(arg.split("=", 1)[1])
        if arg in _VALUED and index + 1 < len(args):
            index += 1
            options.append(args[index])
        index += 1
    rest = [a for a in args[index:] if a != "--"][:1]
    command = NpmCommand("exec", None, tuple(rest), tuple(options), packages=tuple(packages))
    return _with_flags(command)


def _split(args: list[str] | tuple[str, ...]) -> tuple[list[str], list[str], tuple[str, ...]]:
    words: list[str] = []
    options: list[str] = []
    packages: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg.startswith("-") and arg != "-":
            options.append(arg)
            if arg in _VALUED and index + 1 < len(args):
                index += 1
                options.append(args[index])
                if arg in ("--package", "-p"):
                    packages.append(args[index])
            elif arg.startswith("--package="):
                packages.append(arg.split("=", 1)[1])
        else:
            words.append(arg)
        index += 1
    return words, options, tuple(packages)


def _with_flags(command: NpmCommand) -> NpmCommand:
    from dataclasses import replace

    opts = command.options
    prefix = None
    for i, arg in enumerate(opts):
        if arg in ("--prefix", "-C") and i + 1 < len(opts):
            prefix = opts[i + 1]
        elif arg.startswith("--prefix="):
            prefix = arg.split("=", 1)[1]
    return replace(
        command,
        global_=any(a in ("-g", "--global", "--location=global") for a in opts),
        prefix=prefix,
        no_lock=any(a in ("--no-package-lock", "--package-lock=false") for a in opts),
    )


def npm_prefix(cwd: Path) -> Path:
    """The project npm would work on: the nearest folder with package.json or node_modules."""
    for folder in (cwd, *cwd.parents):
        if (folder / "package.json").is_file() or (folder / "node_modules").is_dir():
            return folder
    return cwd
