"""Who may read the dashboard: loopback clients when no token is configured; with
DEPSHIELD_DASHBOARD_TOKEN, only a browser signed in with it (an HttpOnly SameSite=Strict cookie
holding an HMAC of the token, never the token). Forms carry a double-submit CSRF token."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import parse_qs

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
SESSION = "depshield_session"
CSRF = "depshield_csrf"
MAX_FORM = 4096


def session_value(token: str) -> str:
    return hmac.new(token.encode(), b"depshield-dashboard-session", hashlib.sha256).hexdigest()


def token_ok(given: str, token: str) -> bool:
    return hmac.compare_digest(given.encode(), token.encode())


def signed_in(cookie: str | None, token: str) -> bool:
    return bool(cookie) and hmac.compare_digest(str(cookie), session_value(token))


def allowed(client: str | None, cookie: str | None, token: str | None) -> bool:
    """With a token, the session cookie is required everywhere (a reverse proxy on loopback
    would otherwise let the world in); without one, only loopback clients are served."""
    if token:
        return signed_in(cookie, token)
    return client in LOOPBACK


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def csrf_ok(cookie: str | None, field: str | None, origin: str | None, host: str) -> bool:
    """The form's hidden field equals the cookie, and the browser's Origin (when sent) is us."""
    if not cookie or not field or not hmac.compare_digest(cookie, field):
        return False
    if origin is None:
        return True
    return origin.split("://", 1)[-1] == host


def form(body: bytes) -> dict[str, str]:
    """An urlencoded form body (first value of each field)."""
    fields = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=10)
    return {key: values[0] for key, values in fields.items()}


def safe_next(target: str | None) -> str:
    """Only a path of this site: never `//host` or a full URL (an open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target
