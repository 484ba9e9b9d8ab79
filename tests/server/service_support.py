"""Helpers for the service tests: signing deliveries, the app's environment, waiting for the
queue, and committing lockfiles to the test's git repository."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SECRET = "test-webhook-secret"
APP_ID = "4242"
REPO = "octo-org/app"  # payloads.OWNER/NAME


def service_env(github: Any, app_key: tuple[Path, str], db: Path) -> dict[str, str]:
    return {
        "DEPSHIELD_GITHUB_APP_ID": APP_ID,
        "DEPSHIELD_GITHUB_PRIVATE_KEY_FILE": str(app_key[0]),
        "DEPSHIELD_WEBHOOK_SECRET": SECRET,
        "DEPSHIELD_GITHUB_API_URL": github.url,
        "DEPSHIELD_SERVER_DB": str(db),
    }


@contextlib.contextmanager
def running_service(
    github: Any, app_key: tuple[Path, str], db: Path, monkeypatch: Any,
    address: tuple[str, int] = ("testclient", 50000),
) -> Iterator[Any]:  # fmt: skip
    """The app configured from the environment, workers started, behind a TestClient from
    `address`; the client's `queue` is the app's."""
    from starlette.testclient import TestClient

    from depshield.server.app import create_app
    from depshield.server.config import from_env

    for name, value in service_env(github, app_key, db).items():
        monkeypatch.setenv(name, value)
    app = create_app(from_env())
    with TestClient(app, client=address) as test_client:
        test_client.queue = app.state.queue  # type: ignore[attr-defined]
        yield test_client


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers(event: str, body: bytes, delivery: str | None = None) -> dict[str, str]:
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(body),
        "Content-Type": "application/json",
    }


def wait_idle(queue: Any, timeout: float = 60.0) -> dict[str, int]:
    """Until no job is queued or running (the test's own deadline, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = queue.counts()
        if not counts.get("queued") and not counts.get("running"):
            return dict(counts)
        time.sleep(0.05)
    raise AssertionError(f"jobs still pending: {queue.counts()}")


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def commit_lock(repo: Path, packages: list[Any], message: str) -> str:
    from npm_project import package_lock

    (repo / "package-lock.json").write_text(package_lock(packages))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")
