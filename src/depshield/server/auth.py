"""Authenticating as the GitHub App: a short JWT (RS256) exchanged for installation tokens."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import httpx

from depshield.pr.github import GitHub, GitHubError

JWT_LIFETIME = 540  # GitHub accepts at most 10 minutes
CLOCK_SKEW = 60  # iat in the past so a slightly fast GitHub clock still accepts it
REFRESH_MARGIN = 300.0  # renew a token 5 minutes before it expires


def app_jwt(app_id: str, private_key: str, now: float | None = None) -> str:
    import jwt

    issued = int(now if now is not None else time.time()) - CLOCK_SKEW
    claims = {"iat": issued, "exp": issued + CLOCK_SKEW + JWT_LIFETIME, "iss": app_id}
    token: str = jwt.encode(claims, private_key, algorithm="RS256")
    return token


class Tokens:
    """Installation tokens, cached until shortly before they expire."""

    def __init__(
        self, api_url: str, app_id: str, private_key: str, client: httpx.Client | None = None
    ) -> None:
        self.api_url, self.app_id, self.private_key = api_url, app_id, private_key
        self.client = client
        self._cache: dict[int, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def token(self, installation: int) -> str:
        with self._lock:
            cached = self._cache.get(installation)
            if cached and cached[1] - REFRESH_MARGIN > time.time():
                return cached[0]
        as_app = GitHub(self.api_url, app_jwt(self.app_id, self.private_key), self.client)
        doc = as_app.call("POST", f"/app/installations/{installation}/access_tokens")
        token = doc.get("token") if isinstance(doc, dict) else None
        if not isinstance(token, str):
            raise GitHubError(f"installation {installation}: no token in GitHub's answer")
        expires = _timestamp(doc.get("expires_at")) or time.time() + 3600
        with self._lock:
            self._cache[installation] = (token, expires)
        return token

    def forget(self, installation: int) -> None:
        with self._lock:
            self._cache.pop(installation, None)


def _timestamp(text: object) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
