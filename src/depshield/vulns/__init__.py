"""Known vulnerabilities and the malware threat feed, from imported OSV records."""

from __future__ import annotations

from pathlib import Path

from depshield.home import depshield_home

DB_FILE_NAME = "osv.sqlite"
EMPTY_NOTE = (
    "vulnerability database is empty: known vulnerabilities and malware were not checked "
    "(run `depshield db import PATH` or `depshield db update`)"
)

# The configured registry was asked and serves no advisories, and nothing was imported.
NOT_SERVED = (
    "known vulnerabilities: not checked (the registry serves no advisories; "
    "run `depshield db update`)"
)
# Either note on a package result means its known vulnerabilities were not checked.
NOT_CHECKED_NOTES = (EMPTY_NOTE, NOT_SERVED)


def default_db_path() -> Path:
    """$DEPSHIELD_HOME/osv.sqlite (depshield.home decides where the home is)."""

    return depshield_home() / DB_FILE_NAME
