"""The service's configuration from the environment, and the signature check."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from depshield.errors import ConfigError
from depshield.server.app import verify_signature
from depshield.server.config import from_env


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    key = tmp_path / "key.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\n")
    return {
        "DEPSHIELD_GITHUB_APP_ID": "12",
        "DEPSHIELD_GITHUB_PRIVATE_KEY_FILE": str(key),
        "DEPSHIELD_WEBHOOK_SECRET": "s3cret",
        "DEPSHIELD_GITHUB_API_URL": "https://ghe.example.invalid/api/v3/",
        **extra,
    }


def test_complete_configuration(tmp_path: Path) -> None:
    config = from_env(env(tmp_path, DEPSHIELD_WORKERS="4", DEPSHIELD_SERVER_DB=str(tmp_path / "q")))
    assert config.api_url == "https://ghe.example.invalid/api/v3"
    assert (config.workers, config.webhook_secret, config.database) == (
        4,
        b"s3cret",
        tmp_path / "q",
    )


def test_every_missing_variable_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="DEPSHIELD_WEBHOOK_SECRET, DEPSHIELD_GITHUB_API_URL"):
        from_env({k: v for k, v in env(tmp_path).items() if "APP_ID" in k or "KEY" in k})


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("DEPSHIELD_GITHUB_API_URL", "ghe.example.invalid", "not an http"),
        ("DEPSHIELD_WORKERS", "two", "whole number"),
        ("DEPSHIELD_MAX_PAYLOAD", "0", "at least 1"),
        ("DEPSHIELD_GITHUB_PRIVATE_KEY_FILE", "/nonexistent/key.pem", "cannot read"),
    ],
)
def test_bad_values(tmp_path: Path, name: str, value: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        from_env(env(tmp_path, **{name: value}))


def test_signature() -> None:
    body = b'{"zen": "Keep it logically awesome."}'
    good = "sha256=" + hmac.new(b"key", body, hashlib.sha256).hexdigest()
    assert verify_signature(b"key", body, good)
    assert not verify_signature(b"other", body, good)
    assert not verify_signature(b"key", body + b"\n", good)
    assert not verify_signature(b"key", body, None)
    assert not verify_signature(b"key", body, good.replace("sha256=", "sha1="))
