"""`depshield shell-init bash|zsh|fish`: print the functions that route installs via the guard."""

from __future__ import annotations

import argparse
import sys
from typing import Any

HOW = """add to your shell's startup file:
  bash:  eval "$(depshield shell-init bash)"   (~/.bashrc)
  zsh:   eval "$(depshield shell-init zsh)"    (~/.zshrc)
  fish:  depshield shell-init fish | source    (~/.config/fish/config.fish)
undo: remove that line; the printed script names the command that undoes it in a running shell"""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "shell-init",
        help="print shell functions so that plain npm/pip installs go through the guard",
        description="Print shell functions so that `npm install`, `pip install`... are checked "
        "by depshield first; other subcommands run the real program directly.",
        epilog=HOW,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("shell", choices=["bash", "zsh", "fish"])


def run(args: argparse.Namespace) -> int:
    from depshield.guard.shell_init import script

    sys.stdout.write(script(args.shell))
    return 0
