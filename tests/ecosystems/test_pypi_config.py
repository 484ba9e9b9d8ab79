"""pip's index discovery: PIP_INDEX_URL, config file precedence, pip's default, JSON API base."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from support.registry_server import isolate_env

from depshield.ecosystems.pypi import config
from depshield.ecosystems.pypi.config import index_url, json_api_base
from depshield.errors import ConfigError


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    home = isolate_env(monkeypatch, tmp_path)
    monkeypatch.setattr(config, "SYSTEM_CONFIG", tmp_path / "etc" / "pip.conf")
    return home


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def index_conf(url: str, section: str = "global") -> str:
    return f"[{section}]\nindex-url = {url}\nextra-index-url = file:///srv/extra/simple\n"


def test_env_beats_every_file(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(home / ".config" / "pip" / "pip.conf", index_conf("http://file.example.invalid/simple"))
    monkeypatch.setenv("PIP_INDEX_URL", "http://env.example.invalid/simple")
    assert index_url() == "http://env.example.invalid/simple/"


def test_later_files_override_earlier_ones(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layers = [
        tmp_path / "etc-xdg" / "pip" / "pip.conf",
        tmp_path / "etc" / "pip.conf",
        home / ".pip" / "pip.conf",
        home / ".config" / "pip" / "pip.conf",
        tmp_path / "venv" / "pip.conf",
    ]
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "venv"))
    for number, path in enumerate(layers):
        write(path, index_conf(f"http://layer{number}.example.invalid/simple/"))
        assert index_url() == f"http://layer{number}.example.invalid/simple/"


def test_pip_config_file_env_replaces_user_files(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(home / ".config" / "pip" / "pip.conf", index_conf("http://user.example.invalid/simple"))
    write(tmp_path / "etc" / "pip.conf", "[global]\ntimeout = 5\n")
    env_file = write(tmp_path / "ci.conf", "[global]\ntimeout = 10\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(env_file))
    # The user file is skipped, so no index-url is set by any file: pip's default applies.
    assert index_url() == _pip_default()


def test_install_section_beats_global_in_any_file(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path / "etc" / "pip.conf",
        index_conf("http://install.example.invalid/simple", "install"),
    )
    write(home / ".config" / "pip" / "pip.conf", index_conf("http://global.example.invalid/simple"))
    assert index_url() == "http://install.example.invalid/simple/"


def test_key_spellings_are_normalised(home: Path) -> None:
    write(
        home / ".config" / "pip" / "pip.conf",
        "[global]\nindex_url = http://u.example.invalid/simple\n",
    )
    assert index_url() == "http://u.example.invalid/simple/"


def test_devnull_config_file_disables_files(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(home / ".config" / "pip" / "pip.conf", index_conf("http://user.example.invalid/simple"))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    assert index_url() == _pip_default()


def test_pip_default_when_nothing_is_configured(home: Path) -> None:
    assert index_url() == _pip_default()
    assert index_url().startswith("https://")


def test_no_pip_and_no_config_is_a_config_error(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pip._internal.models.index", None)
    with pytest.raises(ConfigError, match="pip is not importable") as info:
        index_url()
    assert info.value.tip and "PIP_INDEX_URL" in info.value.tip


def test_broken_config_file_is_named(home: Path) -> None:
    path = write(home / ".config" / "pip" / "pip.conf", "index-url = no section header\n")
    with pytest.raises(ConfigError, match="cannot read pip config") as info:
        index_url()
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        ("https://mirror.example.invalid/simple/", "https://mirror.example.invalid/pypi/"),
        ("https://mirror.example.invalid/simple", "https://mirror.example.invalid/pypi/"),
        (
            "https://u:p@nexus.example.invalid/repository/pypi-proxy/simple/",
            "https://u:p@nexus.example.invalid/repository/pypi-proxy/pypi/",
        ),
    ],
)
def test_json_api_base(home: Path, index: str, expected: str) -> None:
    assert json_api_base(index) == expected


def test_json_api_base_needs_a_simple_index_or_the_override(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError, match="'devpi.example.invalid'") as info:
        json_api_base("https://devpi.example.invalid/root/pypi/+simple/")
    assert info.value.tip and "DEPSHIELD_PYPI_JSON_URL" in info.value.tip
    monkeypatch.setenv("DEPSHIELD_PYPI_JSON_URL", "https://devpi.example.invalid/json")
    assert json_api_base("https://devpi.example.invalid/root/pypi/+simple/") == (
        "https://devpi.example.invalid/json/"
    )


def _pip_default() -> str:
    from pip._internal.models.index import PyPI

    return str(PyPI.simple_url).rstrip("/") + "/"
