"""Fixtures for the service tests: GitHub's OpenAPI description and real webhook payloads
(npm packages installed once into .cache/), an app key pair, the fake GitHub API, the app."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from service_support import APP_ID, REPO, commit_lock, git
from support.registry_server import RegistryServer, isolate_env

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "pr"))  # npm_project: the fixture registry helpers

REPO_ROOT = HERE.parent.parent
CACHE = REPO_ROOT / ".cache" / "npm-fixtures"
# Pinned: the payloads and the description the tests validate against.
NPM_PACKAGES = ("@octokit/webhooks-examples@7.6.1", "@octokit/openapi@23.0.2")


@pytest.fixture(scope="session")
def octokit() -> Path:
    """node_modules/@octokit with the pinned packages, installed once (npm, no scripts)."""
    root = CACHE / "node_modules" / "@octokit"
    stamp = CACHE / "installed.txt"
    if root.is_dir() and stamp.is_file() and stamp.read_text() == "\n".join(NPM_PACKAGES):
        return root
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip(
            "npm is not installed: the GitHub webhook examples and API description come from npm"
        )
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / "package.json").write_text('{"private": true}\n')
    subprocess.run(
        [npm, "install", "--no-save", "--ignore-scripts", "--no-audit", "--no-fund", *NPM_PACKAGES],
        cwd=CACHE, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    stamp.write_text("\n".join(NPM_PACKAGES))
    return root


@pytest.fixture(scope="session")
def openapi(octokit: Path) -> Any:
    from github_openapi import OpenApi

    return OpenApi(octokit / "openapi" / "generated" / "api.github.com.json")


@pytest.fixture(scope="session")
def webhook_examples(octokit: Path) -> dict[str, list[dict[str, Any]]]:
    doc = json.loads((octokit / "webhooks-examples" / "api.github.com" / "index.json").read_text())
    return {entry["name"]: entry["examples"] for entry in doc}


@pytest.fixture(scope="session")
def app_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(private key file, public key PEM) of a throwaway RSA key for the app's JWTs."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("app-key") / "app.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return path, public.decode()


@pytest.fixture
def github(openapi: Any, app_key: tuple[Path, str]) -> Iterator[Any]:
    from fake_github import FakeGitHub

    fake = FakeGitHub(openapi, APP_ID, app_key[1])
    try:
        yield fake
    finally:
        fake.close()
    assert fake.violations == [], "\n".join(fake.violations)


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry_server: RegistryServer, github: Any
) -> dict[str, Any]:
    """A git repository whose base commit pins one benign package, known to the fake GitHub."""
    isolate_env(monkeypatch, tmp_path)
    from npm_project import FixtureRegistry, benign_files, stealer_files

    npm = FixtureRegistry(registry_server)
    monkeypatch.setenv("npm_config_registry", npm.url)
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "dev@example.invalid")
    git(repo, "config", "user.name", "Dev")
    keep = npm.publish("keep-me", "1.0.0", benign_files("keep-me", "1.0.0"))
    evil = npm.publish("evil-helper", "1.0.1", stealer_files("evil-helper", "1.0.1"))
    base = commit_lock(repo, [keep], "base")
    github.repos[REPO] = repo
    return {"repo": repo, "npm": npm, "keep": keep, "evil": evil, "base": base}
