"""The shared HTTP client: timeouts, retries with backoff, and httpx errors turned into ours."""

from __future__ import annotations

import email.utils
import json
import os
import ssl
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from depshield import __version__
from depshield.errors import STOPPED, NotFoundError, RegistryError, RegistryUnreachable

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
# Failures that say the registry is not there at all (counted by the Breaker).
_REFUSALS = (httpx.ConnectError, httpx.ConnectTimeout)


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

# A registry that refuses this many attempts in a row (connection refused or reset, connect
# timeouts, 502/503/504), across every thread sharing a client, is down: the client stops
# asking and every request fails at once (issue 12: a dead registry took 184 s and 2,573
# lines before exit 3). A success in between resets the count.
REFUSALS_TO_STOP = 5
_REFUSED_STATUS = frozenset({502, 503, 504})


class Breaker:
    """Counts consecutive refusals per host; thread-safe (the scan downloads in threads)."""

    def __init__(self, limit: int = REFUSALS_TO_STOP) -> None:
        import threading

        self.limit = limit
        self._lock = threading.Lock()
        self._refused: dict[str, int] = {}
        self._last: dict[str, str] = {}

    def refused(self, host: str, why: str) -> None:
        with self._lock:
            self._refused[host] = self._refused.get(host, 0) + 1
            self._last[host] = why

    def answered(self, host: str) -> None:
        with self._lock:
            if self._refused.get(host, 0) < self.limit:
                self._refused[host] = 0

    def check(self, host: str) -> None:
        """Raise RegistryUnreachable once `host` refused `limit` attempts in a row."""
        with self._lock:
            count, why = self._refused.get(host, 0), self._last.get(host, "")
        if count >= self.limit:
            raise RegistryUnreachable(
                f"the registry at {host} refused {self.limit} attempts in a row ({why}); "
                + STOPPED,
                tip="check that the registry is up and that npm_config_registry / "
                "PIP_INDEX_URL point at it, then scan again (what was fetched is cached)",
            )


_BREAKERS: weakref.WeakKeyDictionary[httpx.Client, Breaker] = weakref.WeakKeyDictionary()
_BREAKERS_LOCK = threading.Lock()


def breaker_for(client: httpx.Client) -> Breaker:
    """One breaker per client: the threads of one scan share it, separate runs do not."""
    with _BREAKERS_LOCK:
        found = _BREAKERS.get(client)
        if found is None:
            found = _BREAKERS[client] = Breaker()
        return found


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
    breaker, host = breaker_for(client), host_of(url)
    for attempt in range(max(1, retry.attempts)):
        breaker.check(host)
        if attempt:
            retry.sleep(retry.delay(attempt - 1, retry_after))
            breaker.check(host)
        retry_after = None
        try:
            with client.stream("GET", url, headers=dict(headers or {})) as response:
                status = response.status_code
                if status == 429 or status >= 500:
                    last = f"http {status}"
                    if status in _REFUSED_STATUS:
                        breaker.refused(host, last)
                    retry_after = _retry_after(response.headers.get("Retry-After"))
                    continue
                breaker.answered(host)
                _raise_for_status(response, url, what=what, tip=tip)
                return handle(response)
        except _REFUSALS as exc:
            last = _describe(exc)
            breaker.refused(host, last)
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
