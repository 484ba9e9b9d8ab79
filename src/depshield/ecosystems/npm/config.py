"""Where npm would fetch a package from: registry and credentials found the way npm finds them.

Layers, highest first (as in @npmcli/config): `npm_config_*` environment variables, the project
`.npmrc` (in the nearest ancestor of cwd holding package.json or node_modules), the user `.npmrc`
(`npm_config_userconfig`, else `~/.npmrc`), the global `npmrc` (`npm_config_globalconfig`, else
`$PREFIX/etc/npmrc` with PREFIX defaulting to node's install prefix). When none names a registry,
`npm config get registry` answers (it also knows npm's built-in config and default).
"""

from __future__ import annotations

import base64
import configparser
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from depshield.errors import ConfigError

NPM_TIMEOUT_SECONDS = 20.0
_ENV_REF = re.compile(r"(?<!\\)\$\{([^${}?]+)(\?)?\}")
_ENV_PREFIX = "npm_config_"


@dataclass(frozen=True, slots=True)
class RegistryConfig:
    """The registry for one package and the Authorization header npm would send to it."""

    url: str  # always ends with "/"
    auth_header: str | None = field(default=None, repr=False)
    # nerf-darted registry prefix ("//host/path/") -> Authorization header, for tarball URLs.
    credentials: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def auth_for(self, url: str) -> str | None:
        """The Authorization header for a request to `url` (npm matches credentials by the
        request's own host and path, so a tarball on another host gets no token)."""
        return match_credentials(self.credentials, url)


def registry_for(name: str, cwd: Path | None = None) -> RegistryConfig:
    """Resolve the registry npm would use for package `name` run from `cwd`."""
    cwd = cwd or Path.cwd()
    layers = load_layers(cwd)
    scope = name.split("/", 1)[0] if name.startswith("@") and "/" in name else None
    raw = _lookup(layers, f"{scope}:registry") if scope else None
    if raw is None:
        raw = _lookup(layers, "registry")
    url = _expand(raw[0], raw[1]) if raw else npm_cli_registry(str(cwd))
    url = normalize_registry(url)
    credentials = _credentials(layers)
    return RegistryConfig(url, match_credentials(credentials, url), credentials)


def normalize_registry(url: str) -> str:
    url = url.strip()
    if urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError(
            f"npm registry {url!r} is not an http(s) url",
            tip="set registry=https://... in .npmrc or npm_config_registry",
        )
    return url if url.endswith("/") else url + "/"


# A layer is (source name, {key: raw value}); sources name the file for error messages.
Layer = tuple[str, dict[str, str]]


def load_layers(cwd: Path) -> list[Layer]:
    """Every config layer npm reads, highest precedence first."""
    layers: list[Layer] = [("environment", _env_layer())]
    env = layers[0][1]
    project = _project_dir(cwd) / ".npmrc"
    user = Path(env.get("userconfig") or Path.home() / ".npmrc").expanduser()
    if project.resolve() != user.resolve():
        layers.append(_file_layer(project))
    layers.append(_file_layer(user))
    layers.append(_file_layer(_global_config(env)))
    return layers


def _env_layer() -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in os.environ.items():
        if key.lower().startswith(_ENV_PREFIX):
            rest = key[len(_ENV_PREFIX) :]
            # npm lower-cases env keys and turns '_' into '-', except nerf-darted auth keys.
            values[rest if rest.startswith("//") else rest.lower().replace("_", "-")] = value
    return values


def _project_dir(cwd: Path) -> Path:
    for directory in (cwd, *cwd.parents):
        if (directory / "package.json").is_file() or (directory / "node_modules").is_dir():
            return directory
    return cwd


def _global_config(env: Mapping[str, str]) -> Path:
    if env.get("globalconfig"):
        return Path(env["globalconfig"]).expanduser()
    prefix = env.get("prefix") or os.environ.get("PREFIX")
    if not prefix:
        node = shutil.which("node")
        # npm's default global prefix is two levels above the node binary (/usr/bin/node -> /usr).
        prefix = str(Path(node).resolve().parent.parent) if node else "/usr/local"
    return Path(prefix).expanduser() / "etc" / "npmrc"


def _file_layer(path: Path) -> Layer:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return (str(path), {})
    return (str(path), parse_npmrc(text, str(path)))


def parse_npmrc(text: str, source: str = "<npmrc>") -> dict[str, str]:
    """Top-level `key=value` pairs of an npmrc (npm's `ini` format; sections are ignored)."""
    parser = configparser.RawConfigParser(
        delimiters=("=",),
        comment_prefixes=("#", ";"),
        inline_comment_prefixes=None,
        strict=False,
        allow_no_value=True,
        interpolation=None,
        default_section="\x00defaults",
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    # npm's ini trims every line; configparser would read indented lines as continuations.
    lines = "\n".join(line.strip() for line in text.splitlines())
    try:
        parser.read_string("[\x00top]\n" + lines, source=source)
    except configparser.Error as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"cannot read npm config {source!r}: {first}") from exc
    return {
        key: _unquote(value)
        for key, value in parser.items("\x00top")
        if value is not None and not key.endswith("[]")
    }


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _lookup(layers: list[Layer], key: str) -> tuple[str, str] | None:
    """(source, raw value) from the highest layer that sets `key`."""
    for source, values in layers:
        if values.get(key):
            return source, values[key]
    return None


def _expand(source: str, value: str) -> str:
    """npm's `${VAR}` substitution; `${VAR?}` is empty when unset, plain `${VAR}` is an error."""

    def replace(match: re.Match[str]) -> str:
        name, optional = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if optional:
            return ""
        raise ConfigError(
            f"npm config {source!r} uses ${{{name}}} but it is not set",
            tip=f"export {name} or write ${{{name}?}} to allow it to be empty",
        )

    return _ENV_REF.sub(replace, value)


def nerf_dart(url: str) -> str:
    """npm's credential key for a URL: `//host[:port]/path/` without scheme, query or file."""
    parts = urlsplit(url)
    path = parts.path if parts.path.endswith("/") else parts.path.rsplit("/", 1)[0] + "/"
    return f"//{parts.netloc.rsplit('@', 1)[-1]}{path}"


def _credentials(layers: list[Layer]) -> dict[str, str]:
    """Authorization headers by nerf-dart, from `_authToken`, `_auth` or `username`+`_password`."""
    found: dict[str, str] = {}
    for source, values in reversed(layers):  # lowest first, so higher layers overwrite
        for key in values:
            prefix, sep, field_name = key.rpartition(":")
            if not sep or not prefix.startswith("//"):
                continue
            header = _auth_header(source, values, prefix, field_name)
            if header:
                found[prefix if prefix.endswith("/") else prefix + "/"] = header
    return found


def _auth_header(source: str, values: dict[str, str], prefix: str, key: str) -> str | None:
    if key == "_authToken":
        return "Bearer " + _expand(source, values[f"{prefix}:_authToken"])
    if key == "_auth":
        return "Basic " + _expand(source, values[f"{prefix}:_auth"])
    if key != "_password" or f"{prefix}:username" not in values:
        return None
    user = _expand(source, values[f"{prefix}:username"])
    try:
        # npm stores `_password` base64-encoded.
        password = base64.b64decode(_expand(source, values[f"{prefix}:_password"]), validate=True)
    except ValueError as exc:
        raise ConfigError(f"npm config {source!r}: {prefix}:_password is not base64") from exc
    return "Basic " + base64.b64encode(user.encode() + b":" + password).decode()


def match_credentials(credentials: Mapping[str, str], url: str) -> str | None:
    """Walk up `url`'s path as npm-registry-fetch does until a credential prefix matches."""
    key = nerf_dart(url)
    while True:
        if key in credentials:
            return credentials[key]
        parent = nerf_dart(urljoin("https:" + key, ".."))
        if parent == key:
            return None
        key = parent


@cache
def npm_cli_registry(cwd: str) -> str:
    """Ask npm itself (once per process and directory); this runs npm, never package code."""
    npm = shutil.which("npm")
    if npm is None:
        raise ConfigError(
            "no npm registry configured",
            tip="set npm_config_registry or add registry=... to ~/.npmrc",
        )
    try:
        done = subprocess.run(
            [npm, "config", "get", "registry"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(
            f"'npm config get registry' failed: {type(exc).__name__}",
            tip="set npm_config_registry or add registry=... to ~/.npmrc",
        ) from exc
    answer = done.stdout.strip().splitlines()[-1:] if done.returncode == 0 else []
    if not answer or not answer[0].startswith(("http://", "https://")):
        raise ConfigError(
            "no npm registry configured ('npm config get registry' gave no url)",
            tip="set npm_config_registry or add registry=... to ~/.npmrc",
        )
    return answer[0]
