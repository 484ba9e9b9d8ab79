"""The service's configuration, read from the environment (no GitHub host is built in)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from depshield.cache_shared import DATABASE_URL_ENV
from depshield.errors import ConfigError
from depshield.home import depshield_home

REQUIRED = (
    "DEPSHIELD_GITHUB_APP_ID",
    "DEPSHIELD_GITHUB_PRIVATE_KEY_FILE",
    "DEPSHIELD_WEBHOOK_SECRET",
    "DEPSHIELD_GITHUB_API_URL",
)
MAX_PAYLOAD = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB


@dataclass(frozen=True)
class ServerConfig:
    app_id: str
    private_key: str  # PEM text
    webhook_secret: bytes
    api_url: str  # the REST API base of the GitHub instance (Enterprise or not)
    database: Path  # the embedded SQLite database (DEPSHIELD_SERVER_DB)
    database_url: str | None = None  # PostgreSQL instead (DEPSHIELD_DATABASE_URL): server/store.py
    workers: int = 2  # concurrent jobs
    max_payload: int = MAX_PAYLOAD
    installation_rate: int = 60  # jobs started per installation per minute, at most
    max_attempts: int = 5
    command_name: str = "depshield"  # comment commands start with @depshield
    offline: bool = False  # analyse from the cache only (tests, air-gapped mirrors)


def from_env(env: Mapping[str, str] | None = None) -> ServerConfig:
    """Every required variable must be set; a missing one is a one-line ConfigError."""
    env = os.environ if env is None else env
    missing = [name for name in REQUIRED if not env.get(name, "").strip()]
    if missing:
        raise ConfigError(
            f"missing configuration: {', '.join(missing)}",
            tip="see docs/pull-requests.md for the GitHub App settings",
        )
    key_file = Path(env["DEPSHIELD_GITHUB_PRIVATE_KEY_FILE"]).expanduser()
    try:
        private_key = key_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the private key {str(key_file)!r}: {exc}") from None
    api_url = env["DEPSHIELD_GITHUB_API_URL"].strip().rstrip("/")
    if not api_url.startswith(("https://", "http://")):
        raise ConfigError(f"DEPSHIELD_GITHUB_API_URL {api_url!r} is not an http(s) URL")
    return ServerConfig(
        app_id=env["DEPSHIELD_GITHUB_APP_ID"].strip(),
        private_key=private_key,
        webhook_secret=env["DEPSHIELD_WEBHOOK_SECRET"].encode(),
        api_url=api_url,
        database=Path(env.get("DEPSHIELD_SERVER_DB") or _default_db()),
        database_url=_database_url(env),
        workers=_int(env, "DEPSHIELD_WORKERS", 2),
        max_payload=_int(env, "DEPSHIELD_MAX_PAYLOAD", MAX_PAYLOAD),
        installation_rate=_int(env, "DEPSHIELD_INSTALLATION_RATE", 60),
        offline=env.get("DEPSHIELD_OFFLINE", "") not in ("", "0"),
    )


def _database_url(env: Mapping[str, str]) -> str | None:
    url = env.get(DATABASE_URL_ENV, "").strip()
    if not url:
        return None
    if not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(
            f"{DATABASE_URL_ENV} is not a postgresql:// URL",
            tip="unset it for the embedded SQLite database (DEPSHIELD_SERVER_DB); docs/deploy.md",
        )
    return url


def _default_db() -> Path:

    return depshield_home() / "server.sqlite3"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {text!r}") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1")
    return value
