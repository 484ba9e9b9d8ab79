"""Shell functions that send plain `npm install`, `pip install`... through the guard; every other
subcommand goes straight to the real program without starting depshield."""

from __future__ import annotations

NPM_WORDS = (
    "install i in ins inst insta instal isnt isnta isntal isntall add install-test it "
    "ci clean-install ic install-clean isntall-clean install-ci-test cit "
    "update up upgrade udpate exec x"
)
# program -> (depshield command with options, words that go through the guard; "*" = all;
# a trailing "" = also the program with no subcommand, as a bare `yarn` installs).
WRAPPED: dict[str, tuple[str, tuple[str, ...]]] = {
    "npm": ("npm", tuple(NPM_WORDS.split())),
    "npx": ("npx", ("*",)),
    "yarn": ("yarn", ("add", "install", "upgrade", "up", "")),
    "pnpm": ("pnpm", ("add", "install", "i", "update", "up", "upgrade")),
    "pip": ("pip", ("install",)),
    "pip3": ("pip --exe pip3", ("install",)),
    "uv": ("uv", ("pip",)),
}
SHELLS = ("bash", "zsh", "fish")
_UNDO = {
    "bash": "unset -f " + " ".join(WRAPPED),
    "zsh": "unfunction " + " ".join(WRAPPED),
    "fish": "functions -e " + " ".join(WRAPPED),
}


def script(shell: str) -> str:
    """The functions for `shell`: eval'd from its rc file, undone with the line it prints."""
    header = (
        "# depshield install guard: installs are checked before they run.\n"
        f"# Undo in this shell: {_UNDO[shell]}\n"
        "# Bypass once: command npm install ... (the real program, unchecked)\n"
    )
    body = _fish if shell == "fish" else _posix
    return header + "".join(body(name, target, words) for name, (target, words) in WRAPPED.items())


def _posix(name: str, target: str, words: tuple[str, ...]) -> str:
    """bash and zsh: the first word that is not an option picks the subcommand."""
    guarded = f'command depshield {target} -- "$@"'
    if words == ("*",):
        return f"{name}() {{ {guarded}; }}\n"
    cases = "|".join(w or '""' for w in words)
    return (
        f"{name}() {{\n"
        '  local __ds_arg __ds_word=""\n'
        '  for __ds_arg in "$@"; do\n'
        '    case "$__ds_arg" in -*) ;; *) __ds_word="$__ds_arg"; break ;; esac\n'
        "  done\n"
        '  case "$__ds_word" in\n'
        f"    {cases}) {guarded} ;;\n"
        f'    *) command {name} "$@" ;;\n'
        "  esac\n"
        "}\n"
    )


def _fish(name: str, target: str, words: tuple[str, ...]) -> str:
    guarded = f"command depshield {target} -- $argv"
    if words == ("*",):
        return f"function {name} --wraps {name}\n    {guarded}\nend\n"
    cases = " ".join(w or "''" for w in words)
    return (
        f"function {name} --wraps {name}\n"
        '    set -l __ds_word ""\n'
        "    for __ds_arg in $argv\n"
        "        if not string match -q -- '-*' $__ds_arg\n"
        "            set __ds_word $__ds_arg\n"
        "            break\n"
        "        end\n"
        "    end\n"
        '    switch "$__ds_word"\n'
        f"        case {cases}\n"
        f"            {guarded}\n"
        "        case '*'\n"
        f"            command {name} $argv\n"
        "    end\n"
        "end\n"
    )
