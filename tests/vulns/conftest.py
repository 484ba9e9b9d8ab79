"""Fixtures for the vulnerability layer: an isolated DEPSHIELD_HOME, fixture and real OSV data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from vuln_support import FIXTURES, build_db, shared_osv_dir

from depshield.vulns import match


@pytest.fixture(autouse=True)
def isolated_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "depshield-home"
    monkeypatch.setenv("DEPSHIELD_HOME", str(home))
    for name in ("DEPSHIELD_OSV_BASE_URL", "DEPSHIELD_OSV_API_URL", "DEPSHIELD_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    # Config lookups start at the working directory: keep the repository's out of them.
    monkeypatch.chdir(tmp_path)
    yield home
    match.reset_cache()


@pytest.fixture(scope="session")
def osv_data() -> Path:
    found = shared_osv_dir()
    if found is None:
        pytest.skip("shared/data/osv is not present beside the repository")
    return found


@pytest.fixture(scope="session")
def pypi_db(osv_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole PyPA advisory database imported once for the session."""
    path = tmp_path_factory.mktemp("pypi-db") / "osv.sqlite"
    return build_db(path, osv_data / "pypi-pypa-advisory-database.zip")


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every hand-trimmed fixture record (withdrawn ones included)."""
    path = tmp_path_factory.mktemp("fixture-db") / "osv.sqlite"
    folders = ("pypi", "npm", "malicious", "withdrawn")
    return build_db(path, *(FIXTURES / folder for folder in folders))
