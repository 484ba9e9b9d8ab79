"""What the proxy is configured with: upstreams (found as npm and pip find them), policy, limits."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from depshield.ecosystems.npm.config import normalize_registry, registry_for
from depshield.ecosystems.pypi.config import index_url
from depshield.errors import UsageError
from depshield.policy import Policy

WarnMode = Literal["serve", "refuse"]
TOKEN_ENV = "DEPSHIELD_PROXY_TOKEN"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024  # a packument is parsed whole to rewrite it
MAX_ARTIFACT_BYTES = 512 * 1024 * 1024  # streamed to disk, never held in memory


@dataclass(frozen=True, slots=True)
class ProxySettings:
    npm_upstream: str  # registry root, ends with "/"
    pypi_upstream: str  # simple index, ends with "/"
    home: Path  # artifact store, analysis cache, audit log
    policy: Policy = field(default_factory=Policy)
    warn: WarnMode = "serve"
    token: str | None = field(default=None, repr=False)
    max_analyses: int = 2
    document_ttl: float = 300.0
    upstream_timeout: float = 30.0
    max_document_bytes: int = MAX_DOCUMENT_BYTES
    max_artifact_bytes: int = MAX_ARTIFACT_BYTES

    @property
    def audit_db(self) -> Path:
        return self.home / "proxy" / "audit.sqlite"

    @property
    def audit_jsonl(self) -> Path:
        return self.home / "proxy" / "audit.jsonl"


def upstreams(npm: str | None, pypi: str | None, cwd: Path) -> tuple[str, str]:
    """The upstream registries: the flags when given, else the user's npm and pip configuration."""

    npm_url = normalize_registry(npm) if npm else registry_for("depshield-probe", cwd).url
    pypi_url = pypi if pypi else index_url()
    return npm_url, pypi_url if pypi_url.endswith("/") else pypi_url + "/"


def bind_token(host: str, token: str | None) -> str | None:
    """Loopback needs no token; any other address must have one (given, or from the environment)."""
    token = token or os.environ.get(TOKEN_ENV) or None
    if host in LOOPBACK:
        return token
    if not token:
        raise UsageError(
            f"refusing to listen on {host} without a token: anyone who can reach it could use it",
            tip=f"set {TOKEN_ENV} (for example to {secrets.token_urlsafe(24)!r}) and give it to "
            "the clients (docs/proxy.md), or listen on 127.0.0.1",
        )
    if len(token) < 16:
        raise UsageError("the proxy token is too short: use at least 16 characters")
    return token
