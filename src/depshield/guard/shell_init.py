"""Shell functions that send plain `npm install`, `pip install`... through the guard; every other
subcommand goes straight to the real program without starting depshield."""

from __future__ import annotations

NPM_WORDS = (
    "install i in ins inst insta instal isnt isnta isntal isntall add install-test it "
    "ci clean-install ic install-clean isntall-clean install-ci-test cit "
    "update up upgrade udpate exec x"
)
# program -> (depshield command with options, words that go through the guard; "" = all).
WRAPPED = {
    "npm": ("npm", NPM_WORDS),
    "npx": ("npx", ""),
    "yarn": ("yarn", "add install upgrade up"),
    "pnpm": ("pnpm", "add install i update up upgrade"),
    "pip": ("pip", "install"),
    "pip3": ("pip --exe pip3", "install"),
    "uv": ("uv", "pip"),
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


def _posix(name: str, target: str, words: str) -> str:
    """bash and zsh: the first word that is not an option picks the subcommand."""
    if not words:
        return f'{name}() {{ command depshield {target} -- "$@"; }}\n'
    cases = "|".join(words.split())
    return (
        f"{name}() {{\n"
        "  local __ds_arg\n"
        '  for __ds_arg in "$@"; do\n'
        '    case "$__ds_arg" in\n'
        "      -*) ;;\n"
        f'      {cases}) command depshield {target} -- "$@"; return ;;\n'
        "      *) break ;;\n"
        "    esac\n"
        "  done\n"
        f'  command {name} "$@"\n'
        "}\n"
    )


def _fish(name: str, target: str, words: str) -> str:
    if not words:
        return f"function {name} --wraps {name}\n    command depshield {target} -- $argv\nend\n"
    return (
        f"function {name} --wraps {name}\n"
        "    for __ds_arg in $argv\n"
        "        switch $__ds_arg\n"
        "            case '-*'\n"
        "                continue\n"
        f"            case {words}\n"
        f"                command depshield {target} -- $argv\n"
        "                return $status\n"
        "            case '*'\n"
        "                break\n"
        "        end\n"
        "    end\n"
        f"    command {name} $argv\n"
        "end\n"
    )
