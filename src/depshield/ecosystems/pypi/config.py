"""Which package index pip would use, found the way pip finds it, and its JSON API address.

Order (as in pip's `Configuration`): `PIP_INDEX_URL`; then pip's config files, later files
overriding earlier ones: site-wide (`$XDG_CONFIG_DIRS/pip/pip.conf`, `/etc/pip.conf`), user
(`~/.pip/pip.conf`, `$XDG_CONFIG_HOME/pip/pip.conf`; skipped when PIP_CONFIG_FILE names an existing
file), the virtualenv's (`$VIRTUAL_ENV/pip.conf`), then `PIP_CONFIG_FILE` (`os.devnull` disables
all files); in any file `[install] index-url` beats `[global] index-url`. Last, pip's built-in
default, read from pip itself. Only `index-url` matters: extra indexes are not consulted.
"""

from __future__ import annotations

import configparser
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from depshield.errors import ConfigError

JSON_URL_ENV = "DEPSHIELD_PYPI_JSON_URL"
SYSTEM_CONFIG = Path("/etc/pip.conf")
_TIP = "set PIP_INDEX_URL, or index-url under [global] in pip.conf"


def index_url() -> str:
    """The simple-index URL pip would install from, always ending with '/'."""
    from_env = os.environ.get("PIP_INDEX_URL", "").strip()
    if from_env:
        return _with_slash(from_env.split()[0])
    settings = read_pip_config()
    for key in ("install.index-url", "global.index-url"):
        if settings.get(key):
            return _with_slash(settings[key].split()[0])
    return _with_slash(_pip_default())


def config_files() -> list[Path]:
    """pip's config files in load order (later ones override earlier ones)."""
    env_file = os.environ.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return []
    xdg_dirs = os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg"
    files = [Path(d) / "pip" / "pip.conf" for d in xdg_dirs.split(os.pathsep) if d]
    files.append(SYSTEM_CONFIG)
    if not (env_file and Path(env_file).exists()):
        config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        files += [Path.home() / ".pip" / "pip.conf", Path(config_home) / "pip" / "pip.conf"]
    if os.environ.get("VIRTUAL_ENV"):
        files.append(Path(os.environ["VIRTUAL_ENV"]) / "pip.conf")
    if env_file:
        files.append(Path(env_file))
    return files


def read_pip_config() -> dict[str, str]:
    """Every `section.key` of pip's config files merged, with pip's key normalisation."""
    merged: dict[str, str] = {}
    for path in config_files():
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError) as exc:
            first = str(exc).splitlines()[0]
            raise ConfigError(f"cannot read pip config {str(path)!r}: {first}") from exc
        for section in parser.sections():
            for key, value in parser.items(section):
                merged[f"{section}.{_normalize_key(key)}"] = value.strip()
    return merged


def json_api_base(index: str) -> str:
    """The JSON API root for a simple index: `.../simple/` -> `.../pypi/`.

    The rule is the layout of the reference index, which mirrors such as Nexus, Artifactory and
    proxpi copy: the last path segment `simple` becomes `pypi`, and documents are at
    `{base}{name}/json`. Other layouts are set with DEPSHIELD_PYPI_JSON_URL.
    """
    override = os.environ.get(JSON_URL_ENV, "").strip()
    if override:
        return _with_slash(override)
    parts = urlsplit(index)
    segments = parts.path.rstrip("/").split("/")
    if parts.scheme not in ("http", "https") or segments[-1] != "simple":
        raise ConfigError(
            f"cannot derive a json api from the package index at {parts.hostname or index!r}",
            tip=f"set {JSON_URL_ENV} to the index's json api root (the part before NAME/json)",
        )
    path = "/".join([*segments[:-1], "pypi"]) + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _pip_default() -> str:
    try:
        # pip's own default, read at run time so no index host is written here.
        from pip._internal.models.index import PyPI

        return str(PyPI.simple_url)
    except Exception as exc:  # pip internals move between releases; any failure means "unknown"
        raise ConfigError(
            "no package index configured and pip is not importable", tip=_TIP
        ) from exc


def _normalize_key(key: str) -> str:
    """pip accepts `index_url`, `index-url` and `--index-url` alike."""
    return key.lower().replace("_", "-").removeprefix("--")


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"
