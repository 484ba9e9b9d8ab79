"""`uv pip install`: resolved with uv's own `--dry-run --no-build` (uv then neither installs nor
builds), falling back to the index like pip when only a source distribution would do."""

from __future__ import annotations

import re

from depshield.guard.base import Plan, ResolutionFailed, Wrapped
from depshield.guard.pip import PipResolver
from depshield.guard.pip_args import PipCommand
from depshield.guard.process import capture, find_tool
from depshield.lockfiles.base import LockedPackage

# uv's dry-run lists what it would install as ` + name==version` lines.
_WOULD_INSTALL = re.compile(r"^\s*\+\s+([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", re.MULTILINE)


class UvResolver(PipResolver):
    words = ("pip",)

    def resolve(self, wrapped: Wrapped, command: PipCommand) -> Plan:
        program = find_tool(wrapped.argv[0])
        argv = [program, "pip", "install", *command.resolution_args, "--dry-run", "--no-build"]
        done = capture(argv, wrapped.cwd)
        if done.returncode != 0:
            down = done.registry_down
            raise ResolutionFailed(
                f"uv could not work out what {wrapped.display()!r} would install"
                + (": the package index cannot be reached" if down else ""),
                returncode=done.returncode,
                stdout=done.stdout,
                stderr=done.stderr,
                registry_down=down,
            )
        return parse_dry_run(done.stdout + "\n" + done.stderr)


def parse_dry_run(text: str) -> Plan:
    packages = tuple(
        LockedPackage("pypi", name, version)
        for name, version in dict(_WOULD_INSTALL.findall(text)).items()
    )
    return Plan(packages, "uv pip install --dry-run --no-build", artifact="wheel")
