"""`depshield` entry point: parse arguments, dispatch to a subcommand, map errors to exit codes."""

from __future__ import annotations

import importlib
import os
import sys

TYPE_CHECKING = False  # not typing's: the resident analyser's client must start lean
if TYPE_CHECKING:
    import argparse

# subcommand -> module with add_parser(subparsers) and run(args) -> int. Only the invoked
# command's module is imported (start-up time); the others appear in --help by their summary.
COMMANDS = {
    "package": "depshield.cli.package",
    "scan": "depshield.cli.scan",
    "alerts": "depshield.cli.alerts",
    "db": "depshield.cli.db",
    "diff": "depshield.cli.diff",
    "pr": "depshield.cli.pr",
    "serve": "depshield.cli.serve",
    "proxy": "depshield.cli.proxy",
    "monitor": "depshield.cli.monitor",
    "worker": "depshield.cli.worker",
    "npm": "depshield.cli.npm",
    "npx": "depshield.cli.npx",
    "yarn": "depshield.cli.yarn",
    "pnpm": "depshield.cli.pnpm",
    "pip": "depshield.cli.pip",
    "uv": "depshield.cli.uv",
    "shell-init": "depshield.cli.shell_init",
    "daemon": "depshield.cli.daemon",
}

SUMMARIES = {
    "package": "analyse one package (registry spec, directory or archive)",
    "scan": "scan a project: every lockfile and manifest, every dependency",
    "diff": "compare two versions of a package",
    "pr": "review a dependency change: two git refs, lockfiles or folders",
    "serve": "run the GitHub App service (webhooks -> pull-request comments and checks)",
    "proxy": "run a registry proxy that serves only packages the policy allows",
    "monitor": "follow new publishes on the registries and enqueue each new release",
    "worker": "take monitor jobs from the shared PostgreSQL queue and analyse them",
    "db": "import, update and inspect the vulnerability and malware database",
    "alerts": "list every alert type with its default policy",
    "npm": "check what an npm install would bring in, then run npm",
    "npx": "check the package npx would fetch and run, then run npx",
    "yarn": "check what yarn add or install would bring in, then run yarn",
    "pnpm": "check what pnpm add or install would bring in, then run pnpm",
    "pip": "check what a pip install would bring in, then run pip",
    "uv": "check what uv pip install would bring in, then run uv",
    "shell-init": "print shell functions so that plain npm/pip installs go through the guard",
    "daemon": "start, stop or check the resident analyser that makes short runs faster",
}

EXIT_HELP = """exit codes:
  0  nothing at or above the fail level
  1  findings at or above the fail level
  2  usage or configuration error
  3  network or registry failure
  4  nothing to scan
  5  package or version not found in the registry
  6  packages not analysed (scan: offline and not cached, unfetchable)
"""


# Parsers built ahead by the resident analyser (prepare_parsers), reused by its children.
_PREPARED: dict[str | None, argparse.ArgumentParser] = {}


def prepare_parsers(commands: list[str]) -> None:
    for name in commands:
        _PREPARED[name] = build_parser(name)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    import argparse

    from depshield import __version__

    parser = argparse.ArgumentParser(
        prog="depshield",
        description="Find the signs of supply-chain attacks in npm and PyPI packages.",
        epilog=EXIT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"depshield {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        if name == only:
            importlib.import_module(module_name).add_parser(sub)
        else:
            sub.add_parser(name, help=SUMMARIES.get(name), add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    """The console script: a resident analyser runs the command when one is up (see
    depshield.daemon), else this process does."""
    if argv is None:
        argv = sys.argv[1:]
        from depshield.daemon.client import run_resident

        code = run_resident(argv)
        if code is not None:
            return code
    return run_here(argv)


def run_here(argv: list[str]) -> int:
    """Parse `argv` and run the command in this process."""
    from depshield.errors import DepshieldError

    invoked = next((a for a in argv if not a.startswith("-")), None)
    if invoked is not None and invoked not in COMMANDS:
        _error(f"unknown command {invoked!r}", _did_you_mean(invoked))
        return 2
    only = invoked
    parser = _PREPARED.get(only) or build_parser(only)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        code: int = importlib.import_module(COMMANDS[args.command]).run(args)
        return code
    except DepshieldError as exc:
        _error(exc.message, exc.tip)
        return exc.exit_code
    except KeyboardInterrupt:
        _error("interrupted", None)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        if os.environ.get("DEPSHIELD_DEBUG"):
            raise
        _error(
            f"internal error: {type(exc).__name__}: {exc}",
            "set DEPSHIELD_DEBUG=1 to see the traceback and please report it",
        )
        return 70


def _did_you_mean(word: str) -> str:
    """A `Tip:` for a misspelled command: the closest known ones (difflib), else the list."""
    import difflib

    close = difflib.get_close_matches(word, COMMANDS, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(repr(c) for c in close) + "?"
    return "run 'depshield --help' to list the commands"


def _error(message: str, tip: str | None) -> None:
    # Messages quote file and package names: no escape sequence or bidi override reaches the tty.
    from depshield.reports.escape import terminal

    print(f"depshield: error: {terminal(message, 2_000)}", file=sys.stderr)
    if tip:
        print(f"Tip: {terminal(tip, 2_000)}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
