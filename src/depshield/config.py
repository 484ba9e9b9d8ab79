"""Loading the policy from depshield.toml, `[tool.depshield]` in pyproject.toml, or a
socket.yml (version 2) `issueRules` table, so existing policies carry over."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from depshield.alerts.catalog import CATALOG
from depshield.errors import ConfigError
from depshield.model import Action
from depshield.policy import ACTIONS, Ignore, Policy
from depshield.vulns.gate import parse_severity

CONFIG_NAMES = ("depshield.toml", "pyproject.toml", "socket.yml", "socket.yaml")
SOCKET_NAMES = ("socket.yml", "socket.yaml")


def find_config(start: Path) -> Path | None:
    """The nearest depshield.toml, or pyproject.toml with a [tool.depshield] table, upwards."""
    start = start if start.is_dir() else start.parent
    for folder in (start, *start.parents):
        candidate = folder / "depshield.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and b"[tool.depshield" in pyproject.read_bytes():
            return pyproject
        for name in SOCKET_NAMES:
            if (folder / name).is_file():
                return folder / name
    return None


def load_policy(path: Path | None) -> Policy:
    """Parse a config file into a Policy; a missing path means the default policy."""
    if path is None:
        return Policy()
    if path.name in SOCKET_NAMES:
        return _socket_policy(path)
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config {str(path)!r}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{str(path)!r} is not valid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("depshield", {})
    return policy_from_dict(data, str(path))


def _socket_policy(path: Path) -> Policy:
    """socket.yml v2: `issueRules: {installScripts: false, ...}`; other keys do not apply."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config {str(path)!r}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(f"{where!r} is not valid YAML") from None
    if not isinstance(data, dict) or data.get("version") != 2:
        raise ConfigError(
            f"{str(path)!r}: only socket.yml version 2 is understood",
            tip="add `version: 2` and an `issueRules` mapping",
        )
    rules = data.get("issueRules") or {}
    if not isinstance(rules, dict):
        raise ConfigError(f"{str(path)!r}: issueRules must be a mapping of alert type to a value")
    return policy_from_dict({"actions": rules}, str(path))


def policy_from_dict(data: dict[str, Any], source: str) -> Policy:

    raw_actions = data.get("actions", data.get("rules", {}))
    if not isinstance(raw_actions, dict):
        raise ConfigError(f"{source!r}: [actions] must be a table of alert type = action")
    actions: dict[str, Action] = {}
    for type_, value in raw_actions.items():
        if type_ not in CATALOG:
            raise ConfigError(
                f"{source!r}: unknown alert type {type_!r}",
                tip="run `depshield alerts` for the list of types",
            )
        actions[type_] = _action(value, type_, source)
    ignores = tuple(_ignore(entry, source) for entry in data.get("ignore", []))
    licenses = data.get("allowed-licenses", data.get("allowed_licenses", []))
    cooldown = _cooldown(data.get("cooldown-days", data.get("cooldown_days")), source)
    licenses_ = tuple(str(x) for x in licenses)
    fail_on_vuln = _fail_on_vuln(data.get("fail-on-vuln", data.get("fail_on_vuln")), source)
    return Policy(
        actions, ignores, licenses_, source, cooldown_days=cooldown, fail_on_vuln=fail_on_vuln
    )


def _fail_on_vuln(value: object, source: str) -> str | None:

    if value is None:
        return None
    found = parse_severity(str(value)) if isinstance(value, str) else None
    if found is None:
        raise ConfigError(
            f"{source!r}: fail-on-vuln must be critical, high, medium, low or never, not {value!r}"
        )
    return found


def _cooldown(value: object, source: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{source!r}: cooldown-days must be a whole number of days >= 0")
    return value


def _action(value: object, type_: str, source: str) -> Action:

    # socket.yml style booleans: true keeps the default action, false ignores the type.
    if value is True:
        return CATALOG[type_].action
    if value is False:
        return "ignore"
    for action in ACTIONS:
        if value == action:
            return action
    raise ConfigError(
        f"{source!r}: action for {type_!r} must be one of {', '.join(ACTIONS)}, not {value!r}"
    )


def _ignore(entry: object, source: str) -> Ignore:
    named = isinstance(entry, dict) and ("package" in entry or entry.get("id"))
    if not isinstance(entry, dict) or not named or not entry.get("reason"):
        raise ConfigError(
            f"{source!r}: every [[ignore]] entry needs a package or an advisory id, and a reason",
            tip='add reason = "why this is acceptable"',
        )
    expires = entry.get("expires")
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            raise ConfigError(f"{source!r}: expires {expires!r} is not a date") from None
    types = entry.get("types")
    return Ignore(
        package=str(entry.get("package") or ""),
        reason=str(entry["reason"]),
        expires=expires if isinstance(expires, dt.date) else None,
        types=frozenset(types) if types else None,
        advisory=str(entry["id"]) if entry.get("id") else None,
    )
