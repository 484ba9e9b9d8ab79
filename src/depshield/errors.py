"""The exception hierarchy: one root, one subclass per concern, each mapped to an exit code."""

from __future__ import annotations


class DepshieldError(Exception):
    """Root of every error depshield raises on purpose; `str()` is a one-line human message."""

    exit_code = 2

    def __init__(self, message: str, *, tip: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.tip = tip


class UsageError(DepshieldError):
    """Bad command-line input: an unknown spec, a missing file."""


class ConfigError(DepshieldError):
    """A configuration file (depshield.toml, .npmrc, pip.conf) that cannot be used."""


class RegistryError(DepshieldError):
    """The registry could not be reached or answered with an error."""

    exit_code = 3


STOPPED = "stopped asking it"  # how a RegistryUnreachable message ends


class RegistryUnreachable(RegistryError):
    """The registry refused several attempts in a row (connection refused, 503...): every
    further request fails at once, so a scan against a dead registry ends in seconds."""


class NotFoundError(RegistryError):
    """The registry does not know this package or version.

    Its own exit code (5): a typo'd name is the user's to fix, an outage (3) is not (issue 12).
    """

    exit_code = 5


class IntegrityError(DepshieldError):
    """A downloaded artifact does not match the digest its metadata promised."""

    exit_code = 3


class ArchiveError(DepshieldError):
    """An archive that cannot be read at all (corrupt, truncated, not an archive)."""


class NothingToScan(DepshieldError):
    """The input holds nothing depshield can analyse."""

    exit_code = 4
