"""The commands a Python distribution installs: console/GUI entry points and wheel scripts."""

from __future__ import annotations

import configparser
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from depshield.ecosystems.pypi.metadata_files import line_of_key, read_ini, read_setup_cfg
from depshield.ecosystems.system_commands import may_provide, shadowed_command
from depshield.model import Finding

_GROUPS = ("console_scripts", "gui_scripts")
_ENTRY_POINTS = re.compile(r"^(?:[^/]+\.dist-info|(?:[^/]+/)?[^/]+\.egg-info)/entry_points\.txt$")
_WHEEL_SCRIPT = re.compile(r"^[^/]+\.data/scripts/(?P<name>[^/]+)$")


@dataclass(frozen=True, slots=True)
class Command:
    """A command the installer puts on PATH, where it is declared, and what it runs."""

    name: str
    target: str
    file: str
    line: int


def declared_commands(
    files: Mapping[str, bytes], paths: Collection[str], pyproject: Mapping[str, Any]
) -> list[Command]:
    """Entry points from entry_points.txt, setup.cfg and pyproject, plus a wheel's scripts."""
    found: list[Command] = []
    for path in sorted(p for p in files if _ENTRY_POINTS.match(p)):
        found.extend(_from_ini(path, files[path], read_ini(files[path])))
    if "setup.cfg" in files:
        found.extend(_from_setup_cfg(files["setup.cfg"]))
    if pyproject:
        found.extend(_from_pyproject(files.get("pyproject.toml", b""), pyproject))
    for path in sorted(paths):
        match = _WHEEL_SCRIPT.match(path)
        if match:
            found.append(Command(match["name"], path, path, 0))
    # An sdist declares the same command in setup.cfg and egg-info: report it once, where the
    # built metadata (listed first) says it.
    unique: dict[str, Command] = {}
    for command in found:
        unique.setdefault(command.name, command)
    return list(unique.values())


def _from_ini(path: str, raw: bytes, parser: configparser.ConfigParser | None) -> Iterator[Command]:
    if parser is None:
        return
    text = raw.decode("utf-8", "replace")
    for group in _GROUPS:
        if parser.has_section(group):
            for name, target in parser.items(group):
                line = line_of_key(text, name.strip(), group)
                yield Command(name.strip(), target.strip(), path, line)


def _from_setup_cfg(raw: bytes) -> Iterator[Command]:
    """setup.cfg's [options.entry_points] holds each group as a multi-line `name = target` list."""
    parser = read_setup_cfg(raw)
    if parser is None or not parser.has_section("options.entry_points"):
        return
    text = raw.decode("utf-8", "replace")
    for group in _GROUPS:
        value = parser.get("options.entry_points", group, fallback="")
        for entry in value.splitlines():
            name, equals, target = entry.partition("=")
            if equals and name.strip():
                key = name.strip()
                line = line_of_key(text, key, "options.entry_points")
                yield Command(key, target.strip(), "setup.cfg", line)


def _from_pyproject(raw: bytes, pyproject: Mapping[str, Any]) -> Iterator[Command]:
    project = pyproject.get("project")
    if not isinstance(project, dict):
        return
    text = raw.decode("utf-8", "replace")
    for table in ("scripts", "gui-scripts"):
        entries = project.get(table)
        for name, target in entries.items() if isinstance(entries, dict) else ():
            if isinstance(target, str):
                line = line_of_key(text, name, f"project.{table}")
                yield Command(name, target, "pyproject.toml", line)


def command_findings(commands: list[Command], project: str | None) -> Iterator[Finding]:
    """shellScriptOverride for each command named like a system command the project isn't."""
    for command in commands:
        shadowed = shadowed_command(command.name)
        if shadowed and not may_provide("pypi", project, shadowed):
            props = {"bin": command.name, "target": command.target}
            evidence = f"{command.name} = {command.target}"
            yield Finding("shellScriptOverride", command.file, command.line, evidence, props)
