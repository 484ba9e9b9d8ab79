"""The shared HTTP client: timeouts, retries with backoff, and httpx errors turned into ours."""

from __future__ import annotations

import email.utils
import json
import os
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from depshield import __version__
from depshield.errors import NotFoundError, RegistryError

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024  # full packuments of old, busy packages reach tens of MB
OFFLINE_ENV = "DEPSHIELD_OFFLINE"

# Failures worth another try: the request never reached the server or the server was overloaded.
_RETRYABLE_ERRORS = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
    httpx.ProxyError,
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often to try a request and how long to wait between tries (doubling each time)."""

    attempts: int = 4
    backoff: float = 0.5
    max_delay: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def delay(self, retry: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number `retry` (0-based); the server's word wins."""
        if retry_after is not None:
            return max(0.0, min(retry_after, self.max_delay))
        return min(self.backoff * 2.0**retry, self.max_delay)


DEFAULT_RETRY = RetryPolicy()


def user_agent() -> str:
    return f"depshield/{__version__}"


def offline_requested(offline: bool | None = None) -> bool:
    """An explicit argument wins; otherwise DEPSHIELD_OFFLINE=1 turns the network off."""
    if offline is not None:
        return offline
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def ensure_online(what: str, offline: bool | None = None) -> None:
    """Raise before any connection is attempted when the network is switched off."""
    if offline_requested(offline):
        raise RegistryError(
            f"offline: cannot fetch {what}",
            tip=f"run without --offline (and unset {OFFLINE_ENV}) to reach the registry",
        )


def make_client(
    *, timeout: httpx.Timeout = DEFAULT_TIMEOUT, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """A client for registry traffic; proxies come from the usual *_PROXY variables."""
    cafile = os.environ.get("SSL_CERT_FILE")
    # httpx bundles certifi; SSL_CERT_FILE lets users behind a TLS-inspecting proxy add theirs.
    verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=cafile) if cafile else True
    return httpx.Client(
        timeout=timeout,
        follow_redirects=True,
        headers={"User-Agent": user_agent()},
        transport=transport,
        verify=verify,
    )


@contextmanager
def session(client: httpx.Client | None = None) -> Iterator[httpx.Client]:
    """Use the caller's client, or a fresh one closed on exit."""
    if client is not None:
        yield client
        return
    with make_client() as own:
        yield own


def host_of(url: str) -> str:
    """The host[:port] of a URL, never its credentials, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or url
    return f"{host}:{parts.port}" if parts.port else host


def request(
    client: httpx.Client,
    url: str,
    handle: Callable[[httpx.Response], T],
    *,
    what: str,
    headers: Mapping[str, str] | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    tip: str | None = None,
) -> T:
    """GET `url` and pass the streamed, successful response to `handle`, retrying transient
    failures (connect errors, timeouts, 5xx, 429) including ones while `handle` reads the body."""
    last = "no attempt made"
    retry_after: float | None = None
    for attempt in range(max(1, retry.attempts)):
        if attempt:
            retry.sleep(retry.delay(attempt - 1, retry_after))
        retry_after = None
        try:
            with client.stream("GET", url, headers=dict(headers or {})) as response:
                status = response.status_code
                if status == 429 or status >= 500:
                    last = f"http {status}"
                    retry_after = _retry_after(response.headers.get("Retry-After"))
                    continue
                _raise_for_status(response, url, what=what, tip=tip)
                return handle(response)
        except _RETRYABLE_ERRORS as exc:
            last = _describe(exc)
        except httpx.HTTPError as exc:
            raise RegistryError(
                f"cannot fetch {what} from {host_of(url)}: {_describe(exc)}", tip=tip
            ) from exc
        except httpx.InvalidURL as exc:
            raise RegistryError(f"invalid registry url for {what}: {exc}", tip=tip) from exc
    raise RegistryError(
        f"cannot fetch {what} from {host_of(url)}: {last} after {retry.attempts} attempts",
        tip=tip or "check the network connection and the configured registry address",
    )


def get_json(
    client: httpx.Client,
    url: str,
    *,
    what: str,
    headers: Mapping[str, str] | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    tip: str | None = None,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> Any:
    """GET a JSON document with retries; bad JSON is a RegistryError, not a traceback."""
    body = request(
        client,
        url,
        lambda r: b"".join(iter_limited(r, max_bytes, what=what)),
        what=what,
        headers={"Accept": "application/json", **(headers or {})},
        retry=retry,
        tip=tip,
    )
    try:
        return json.loads(body)
    except ValueError as exc:
        raise RegistryError(f"{host_of(url)} answered {what} with invalid json", tip=tip) from exc


def iter_limited(response: httpx.Response, max_bytes: int, *, what: str) -> Iterator[bytes]:
    """The decoded body in chunks, refusing (before or while reading) more than `max_bytes`."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(what, int(declared), max_bytes)
    seen = 0
    for chunk in response.iter_bytes(chunk_size=1 << 16):
        seen += len(chunk)
        if seen > max_bytes:
            raise _too_large(what, seen, max_bytes)
        yield chunk


def _too_large(what: str, size: int, limit: int) -> RegistryError:
    return RegistryError(
        f"{what} is larger than the {limit // (1024 * 1024)} MiB limit ({size} bytes or more); "
        "refusing to download it",
    )


def _raise_for_status(response: httpx.Response, url: str, *, what: str, tip: str | None) -> None:
    status = response.status_code
    if status < 400:
        return
    host = host_of(url)
    if status in (404, 410):
        raise NotFoundError(f"{what} not found at {host}", tip=tip)
    if status in (401, 403):
        raise RegistryError(
            f"{host} refused {what}: http {status}",
            tip="check the credentials configured for this registry",
        )
    raise RegistryError(f"{host} answered http {status} for {what}", tip=tip)


def _retry_after(value: str | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date (RFC 9110 section 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _describe(exc: Exception) -> str:
    """A short, one-line reason: the exception class in words plus its first message line."""
    kind = type(exc).__name__
    text = str(exc).strip().splitlines()
    return f"{kind}: {text[0]}" if text and text[0] else kind
