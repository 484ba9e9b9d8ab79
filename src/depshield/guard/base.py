"""The guard's interface: the wrapped command, the plan of what it would install, its errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from depshield.errors import DepshieldError
from depshield.lockfiles.base import LockedPackage


@dataclass(frozen=True, slots=True)
class Wrapped:
    """The command as the user typed it: run unchanged once the guard lets it through."""

    tool: str  # "npm", "npx", "yarn", "pnpm", "pip", "uv"
    argv: tuple[str, ...]  # argv[0] is the program to run ("npm", "pip3", a path)
    cwd: Path

    @property
    def args(self) -> tuple[str, ...]:
        return self.argv[1:]

    def display(self) -> str:
        import shlex

        return shlex.join(self.argv)


@dataclass(frozen=True, slots=True)
class ExactFile:
    """The very file the package manager said it would download (pip's report)."""

    url: str
    sha256: str


@dataclass(frozen=True, slots=True)
class Plan:
    """What the command would add or change, and how that was found out."""

    packages: tuple[LockedPackage, ...]  # added or changed: these are checked
    method: str  # how it was resolved, for the report ("npm --package-lock-only", ...)
    unchanged: int = 0  # packages the command keeps as they are
    previous: Mapping[str, str] = field(default_factory=dict)  # name -> version installed now
    exact: Mapping[str, ExactFile] = field(default_factory=dict)  # purl -> file to analyse
    artifact: str = "default"  # which release file to analyse when no exact file is known
    notes: tuple[str, ...] = ()
    unchecked: tuple[str, ...] = ()  # things the command installs that cannot be checked


class Resolver(Protocol):
    """One package manager: says what its command would install, without running package code."""

    def plan(self, wrapped: Wrapped) -> Plan | None:
        """The plan, or None when the command installs nothing (it then runs straight away)."""
        ...


class GuardError(DepshieldError):
    """The guard could not find out what the command would install; nothing was installed."""

    exit_code = 2


class ToolMissing(GuardError):
    """The wrapped package manager is not installed."""

    exit_code = 127


class ResolutionFailed(GuardError):
    """The package manager's resolution failed; its own output and exit code are kept."""

    def __init__(
        self,
        message: str,
        *,
        returncode: int,
        stdout: str = "",
        stderr: str = "",
        registry_down: bool = False,
        tip: str | None = None,
    ) -> None:
        super().__init__(message, tip=tip)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.registry_down = registry_down
        self.exit_code = 3 if registry_down else (returncode or 2)
