"""Helpers shared by the vulnerability tests (a uniquely named module, unlike conftest)."""

from __future__ import annotations

from pathlib import Path

from depshield.vulns.db import VulnStore
from depshield.vulns.osv import import_paths

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "osv"


def shared_osv_dir() -> Path | None:
    """shared/data/osv beside the repository (CI's clone), else the workstation's copy."""
    for base in (REPO / ".." / "shared", Path("/work/shared")):
        candidate = (base / "data" / "osv").resolve()
        if (candidate / "pypi-pypa-advisory-database.zip").is_file():
            return candidate
    return None


def build_db(path: Path, *sources: Path) -> Path:
    """A database at `path` holding `sources`, imported in the order given."""
    store = VulnStore.open(path, create=True)
    try:
        import_paths(list(sources), store)
    finally:
        store.close()
    return path
