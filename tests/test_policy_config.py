"""Loading depshield.toml / [tool.depshield] into a policy, and its error messages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from depshield.config import find_config, load_policy
from depshield.errors import ConfigError
from depshield.model import PackageRef


def test_depshield_toml_actions_ignores_and_licenses(tmp_path: Path) -> None:
    (tmp_path / "depshield.toml").write_text(
        """
allowed-licenses = ["MIT", "Apache-2.0"]
[actions]
installScripts = "error"
networkAccess = false
[[ignore]]
package = "npm:left-pad@1.3.0"
reason = "reviewed"
expires = 2099-01-01
types = ["installScripts"]
"""
    )
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    path = find_config(sub)
    assert path == tmp_path / "depshield.toml"
    policy = load_policy(path)
    assert policy.action_for("installScripts") == "error"
    assert policy.action_for("networkAccess") == "ignore"
    assert policy.action_for("shellAccess") == "monitor"
    assert policy.allowed_licenses == ("MIT", "Apache-2.0")
    ref = PackageRef("npm", "left-pad", "1.3.0")
    assert policy.ignore_for(ref, "installScripts", dt.date(2026, 1, 1)) is not None
    assert policy.ignore_for(ref, "networkAccess", dt.date(2026, 1, 1)) is None
    assert policy.ignore_for(PackageRef("pypi", "left-pad", "1.3.0"), "installScripts") is None


def test_pyproject_tool_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.depshield.actions]\nusesEval = "warn"\n'
    )
    policy = load_policy(find_config(tmp_path))
    assert policy.action_for("usesEval") == "warn"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[actions]\nnoSuchType = 'warn'\n", "unknown alert type 'noSuchType'"),
        ("[actions]\nusesEval = 'explode'\n", "must be one of error, warn, monitor, ignore"),
        ("[[ignore]]\npackage = 'x'\n", "needs a package or an advisory id, and a reason"),
        ("[actions\n", "is not valid TOML"),
    ],
)
def test_bad_config_gets_one_line_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "depshield.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    assert message in info.value.message and "depshield.toml" in info.value.message


def test_socket_yml_issue_rules_are_honoured(tmp_path: Path) -> None:
    (tmp_path / "socket.yml").write_text(
        "version: 2\nissueRules:\n  installScripts: false\n  networkAccess: true\n"
        "  usesEval: warn\n"
    )
    path = find_config(tmp_path)
    assert path is not None and path.name == "socket.yml"
    policy = load_policy(path)
    assert policy.action_for("installScripts") == "ignore"
    assert policy.action_for("networkAccess") == "monitor"  # true keeps the default
    assert policy.action_for("usesEval") == "warn"


def test_socket_yml_of_another_version_is_refused(tmp_path: Path) -> None:
    (tmp_path / "socket.yml").write_text("version: 1\nissueRules: {}\n")
    with pytest.raises(ConfigError) as info:
        load_policy(tmp_path / "socket.yml")
    assert "version 2" in info.value.message and info.value.tip
