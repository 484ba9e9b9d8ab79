"""The guard's options: command-line flags, and `[guard]` in depshield.toml (or
`[tool.depshield.guard]` in pyproject.toml), read beside the project's policy."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from depshield.errors import ConfigError, DepshieldError
from depshield.project_files import read_text


@dataclass(frozen=True, slots=True)
class GuardOptions:
    yes: bool = False  # proceed on warnings without asking
    dry_run: bool = False  # report only, never run the command
    force: bool = False  # proceed whatever was found, even on a block or a failed resolution
    allow_warn: bool = False  # from [guard] allow-warn: proceed on warnings in CI
    jobs: int = 0


def allow_warn_setting(config: Path | None) -> bool:
    """`allow-warn` of the `[guard]` table; false when there is no config or no table."""
    if config is None:
        return False

    try:
        data = tomllib.loads(read_text(config, root=config.parent))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, DepshieldError):
        return False  # load_policy reports a broken config file with its own message
    if config.name == "pyproject.toml":
        data = data.get("tool", {}).get("depshield", {})
    table = data.get("guard", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{str(config)!r}: [guard] must be a table")
    value = table.get("allow-warn", table.get("allow_warn", False))
    if not isinstance(value, bool):
        raise ConfigError(f"{str(config)!r}: [guard] allow-warn must be true or false")
    return value


def interactive() -> bool:
    """A person can answer: a terminal on both ends and not in CI."""
    import sys

    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    return sys.stdin.isatty() and sys.stderr.isatty()
