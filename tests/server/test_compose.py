"""examples/compose.yaml stays true to the code: every depshield service's command parses with
depshield's own argument parser, and every DEPSHIELD_ variable it sets is one the code reads."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from depshield.cli.main import build_parser

ROOT = Path(__file__).resolve().parent.parent.parent
COMPOSE = ROOT / "examples" / "compose.yaml"


def services() -> dict[str, Any]:
    doc = yaml.safe_load(COMPOSE.read_text())
    return {name: s for name, s in doc["services"].items() if "command" in s}


def read_by_code() -> set[str]:
    text = "\n".join(p.read_text() for p in (ROOT / "src" / "depshield").rglob("*.py"))
    return set(re.findall(r"DEPSHIELD_[A-Z0-9_]+", text))


def test_serve_monitor_and_worker_are_all_there() -> None:
    assert sorted(services()) == ["monitor", "serve", "worker"]


@pytest.mark.parametrize("name", ["monitor", "serve", "worker"])
def test_each_command_parses(name: str) -> None:
    argv = shlex.split(services()[name]["command"])  # the image's entry point is `depshield`
    args = build_parser(name).parse_args(argv)
    assert args.command == name


@pytest.mark.parametrize("name", ["monitor", "serve", "worker"])
def test_each_variable_is_read_by_the_code(name: str) -> None:
    names = set(services()[name]["environment"])
    assert "DEPSHIELD_DATABASE_URL" in names
    assert names - read_by_code() == set()
