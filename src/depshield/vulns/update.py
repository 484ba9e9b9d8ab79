"""Downloading OSV ecosystem exports (`{base}/{Ecosystem}/all.zip`) from a configured address."""

from __future__ import annotations

import dataclasses
import os
import tomllib
import zipfile
from collections.abc import Sequence
from pathlib import Path

import httpx

from depshield import net
from depshield.config import find_config
from depshield.errors import NotFoundError, RegistryError, UsageError
from depshield.vulns import default_db_path
from depshield.vulns.base import ImportSummary, osv_ecosystem_of
from depshield.vulns.db import VulnStore
from depshield.vulns.osv import import_paths

BASE_URL_ENV = "DEPSHIELD_OSV_BASE_URL"
API_URL_ENV = "DEPSHIELD_OSV_API_URL"
# Keys of the [vulns] table in depshield.toml (or [tool.depshield.vulns] in pyproject.toml).
BASE_URL_KEY = "osv-base-url"
API_URL_KEY = "osv-api-url"
# The full npm export is a few hundred MB; refuse anything absurdly larger.
MAX_EXPORT_BYTES = 4 * 1024 * 1024 * 1024

BASE_URL_TIP = (
    f'pass --base-url URL, set {BASE_URL_ENV}, or add {BASE_URL_KEY} = "URL" under [vulns] '
    "in depshield.toml; the address must serve {URL}/{Ecosystem}/all.zip (the OSV bucket layout)"
)


def configured_url(
    explicit: str | None, env: str, key: str, start: Path | None = None
) -> str | None:
    """An address from the command line, else the environment, else the config file; no default."""
    for candidate in (explicit, os.environ.get(env)):
        if candidate and candidate.strip():
            return candidate.strip()
    return _config_value(key, start or Path.cwd())


def _config_value(key: str, start: Path) -> str | None:

    path = find_config(start)
    if path is None:
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None  # the policy loader reports a broken config file; here it only has no URL
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("depshield", {})
    table = data.get("vulns", {})
    value = table.get(key) if isinstance(table, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def require_base_url(explicit: str | None, start: Path | None = None) -> str:
    url = configured_url(explicit, BASE_URL_ENV, BASE_URL_KEY, start)
    if url is None:
        raise UsageError("no OSV download address is configured", tip=BASE_URL_TIP)
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"OSV download address {url!r} is not an http(s) URL", tip=BASE_URL_TIP)
    return url


def export_url(base_url: str, ecosystem: str) -> str:
    """`{base}/{Ecosystem}/all.zip`, with the OSV spelling of the ecosystem (npm, PyPI)."""
    return f"{base_url.rstrip('/')}/{osv_ecosystem_of(ecosystem)}/all.zip"


def download_export(url: str, dest: Path, client: httpx.Client | None = None) -> Path:
    """Stream `url` to `dest` (retrying transient failures) and check it is a zip archive."""

    net.ensure_online(f"the OSV export {url}")
    what = f"OSV export {url.rsplit('/', 2)[-2]}/all.zip"
    dest.parent.mkdir(parents=True, exist_ok=True)

    def save(response: httpx.Response) -> Path:
        # Opening in "wb" on every attempt drops whatever a failed attempt wrote.
        with dest.open("wb") as out:
            for chunk in net.iter_limited(response, MAX_EXPORT_BYTES, what=what):
                out.write(chunk)
        return dest

    with net.session(client) as own:
        try:
            net.request(own, url, save, what=what, tip=BASE_URL_TIP)
        except NotFoundError as missing:
            # A missing export is a wrong base URL, not an unknown package: exit 3, not 5.
            raise RegistryError(missing.message, tip=missing.tip) from None
    if not zipfile.is_zipfile(dest):
        dest.unlink(missing_ok=True)
        raise RegistryError(f"{net.host_of(url)} answered {what} with something that is not a zip")
    return dest


def update(
    ecosystems: Sequence[str],
    base_url: str,
    db: Path | None = None,
    client: httpx.Client | None = None,
) -> list[ImportSummary]:
    """Download each ecosystem's export, then import them all in one transaction."""

    db_path = db or default_db_path()
    downloads = db_path.parent / "downloads"
    files: list[tuple[str, Path]] = []
    try:
        for ecosystem in ecosystems:
            url = export_url(base_url, ecosystem)
            target = downloads / f"{osv_ecosystem_of(ecosystem)}-all.zip"
            files.append((url, download_export(url, target, client)))
        store = VulnStore.open(db_path, create=True)
        try:
            summaries = import_paths([path for _, path in files], store)
        finally:
            store.close()
    finally:
        for _, path in files:
            path.unlink(missing_ok=True)
    return [
        dataclasses.replace(s, source=url) for s, (url, _) in zip(summaries, files, strict=True)
    ]
