"""npm registry and credential discovery: env, project/user/global .npmrc, scopes, npm CLI."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.registry_server import isolate_env

from depshield.ecosystems.npm import config
from depshield.ecosystems.npm.config import parse_npmrc, registry_for
from depshield.errors import ConfigError


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    home = isolate_env(monkeypatch, tmp_path)
    config.npm_cli_registry.cache_clear()
    # No npm on PATH unless a test puts a fake one there.
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    yield home
    config.npm_cli_registry.cache_clear()


def test_env_registry_beats_user_npmrc(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (home / ".npmrc").write_text("registry=http://user.example.invalid/\n")
    monkeypatch.setenv("npm_config_registry", "http://env.example.invalid/npm")
    assert registry_for("left-pad", cwd=home).url == "http://env.example.invalid/npm/"


def test_upper_case_env_name_is_read(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", "http://upper.example.invalid/")
    assert registry_for("left-pad", cwd=home).url == "http://upper.example.invalid/"


def test_project_npmrc_beats_user_npmrc(home: Path, tmp_path: Path) -> None:
    (home / ".npmrc").write_text("registry=http://user.example.invalid/\n")
    project = tmp_path / "proj"
    (project / "src" / "deep").mkdir(parents=True)
    (project / "package.json").write_text("{}")
    (project / ".npmrc").write_text("registry = http://project.example.invalid/\n")
    assert registry_for("x", cwd=project / "src" / "deep").url == "http://project.example.invalid/"


def test_npmrc_above_the_project_root_is_not_read(home: Path, tmp_path: Path) -> None:
    (home / ".npmrc").write_text("registry=http://user.example.invalid/\n")
    (tmp_path / "outer").mkdir()
    (tmp_path / "outer" / ".npmrc").write_text("registry=http://outer.example.invalid/\n")
    project = tmp_path / "outer" / "proj"
    project.mkdir()
    (project / "package.json").write_text("{}")
    assert registry_for("x", cwd=project).url == "http://user.example.invalid/"


def test_userconfig_env_names_the_user_file(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other-npmrc"
    other.write_text("registry=http://other.example.invalid/\n")
    (home / ".npmrc").write_text("registry=http://user.example.invalid/\n")
    monkeypatch.setenv("npm_config_userconfig", str(other))
    work = tmp_path / "work"  # not HOME: there ~/.npmrc would also be the project config
    work.mkdir()
    assert registry_for("x", cwd=work).url == "http://other.example.invalid/"


def test_global_npmrc_is_the_last_file(home: Path, tmp_path: Path) -> None:
    (tmp_path / "global-npmrc").write_text("registry=http://global.example.invalid/\n")
    assert registry_for("x", cwd=home).url == "http://global.example.invalid/"
    (home / ".npmrc").write_text("registry=http://user.example.invalid/\n")
    assert registry_for("x", cwd=home).url == "http://user.example.invalid/"


def test_scoped_registry_applies_to_its_scope_only(home: Path) -> None:
    (home / ".npmrc").write_text(
        "registry=http://public.example.invalid/\n@acme:registry=http://acme.example.invalid/r/\n"
    )
    assert registry_for("@acme/widget", cwd=home).url == "http://acme.example.invalid/r/"
    assert registry_for("@other/widget", cwd=home).url == "http://public.example.invalid/"
    assert registry_for("acme", cwd=home).url == "http://public.example.invalid/"


def test_auth_token_expands_env_and_matches_by_host_and_path(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_TOKEN", "s3cret")
    (home / ".npmrc").write_text(
        "@acme:registry=http://acme.example.invalid:8080/npm/\n"
        "//acme.example.invalid:8080/npm/:_authToken=${ACME_TOKEN}\n"
        "registry=http://public.example.invalid/\n"
    )
    acme = registry_for("@acme/widget", cwd=home)
    assert acme.auth_header == "Bearer s3cret"
    assert acme.auth_for("http://acme.example.invalid:8080/npm/@acme/widget/-/w-1.tgz") == (
        "Bearer s3cret"
    )
    # Another port, another path or another host is another registry: no token.
    assert acme.auth_for("http://acme.example.invalid:9090/npm/w-1.tgz") is None
    assert acme.auth_for("http://acme.example.invalid:8080/other/w-1.tgz") is None
    assert registry_for("left-pad", cwd=home).auth_header is None
    assert "s3cret" not in repr(acme)


def test_basic_auth_from_username_and_password(home: Path) -> None:
    (home / ".npmrc").write_text(
        "registry=http://corp.example.invalid/\n"
        "//corp.example.invalid/:username=bob\n"
        "//corp.example.invalid/:_password=aHVudGVyMg==\n"  # base64("hunter2")
    )
    # base64("bob:hunter2")
    assert registry_for("x", cwd=home).auth_header == "Basic Ym9iOmh1bnRlcjI="


def test_unset_env_reference_is_a_config_error(home: Path) -> None:
    (home / ".npmrc").write_text("registry=${NOT_SET_ANYWHERE}/\n")
    with pytest.raises(ConfigError, match="NOT_SET_ANYWHERE") as info:
        registry_for("x", cwd=home)
    assert info.value.tip


def test_optional_env_reference_may_be_empty(home: Path) -> None:
    (home / ".npmrc").write_text("registry=http://r.example.invalid/${NOT_SET_ANYWHERE?}\n")
    assert registry_for("x", cwd=home).url == "http://r.example.invalid/"


def test_non_http_registry_is_refused(home: Path) -> None:
    (home / ".npmrc").write_text("registry=file:///srv/npm\n")
    with pytest.raises(ConfigError, match="not an http"):
        registry_for("x", cwd=home)


def _fake_npm(bin_dir: Path, answer: str, log: Path) -> None:
    script = bin_dir / "npm"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\necho "{answer}"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_npm_cli_answers_when_no_file_sets_a_registry(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "npm-calls.log"
    _fake_npm(bin_dir, "http://from-cli.example.invalid/", log)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert registry_for("x", cwd=home).url == "http://from-cli.example.invalid/"
    assert registry_for("y", cwd=home).url == "http://from-cli.example.invalid/"
    assert log.read_text().splitlines() == ["config get registry"]  # asked once, then cached


def test_no_npm_and_no_config_is_a_config_error(home: Path) -> None:
    with pytest.raises(ConfigError, match="no npm registry configured") as info:
        registry_for("x", cwd=home)
    assert info.value.tip and "npm_config_registry" in info.value.tip


def test_parse_npmrc_trims_lines_and_unquotes() -> None:
    text = (
        '; comment\n# another\n  registry = "http://q.example.invalid/"\n'
        "//h.example.invalid/:_authToken=abc\nca[]=x\nflag\n"
    )
    assert parse_npmrc(text) == {
        "registry": "http://q.example.invalid/",
        "//h.example.invalid/:_authToken": "abc",
    }
