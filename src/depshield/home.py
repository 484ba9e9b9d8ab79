"""Where depshield keeps its caches: DEPSHIELD_HOME, else the platform's user cache directory."""

from __future__ import annotations

import os
from pathlib import Path

from depshield.errors import ConfigError

ENV_VAR = "DEPSHIELD_HOME"
_CHECKED: set[Path] = set()  # homes already known to be usable directories in this process


def depshield_home() -> Path:
    """The root of depshield's on-disk state (artifact store, caches, imported databases).

    Raises ConfigError (exit 2, one line) when it is not a directory depshield can write: a
    file, a directory it may not write, or a path that cannot be created (issue 12)."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        home = Path(configured).expanduser()
    else:
        # Lazy: platformdirs is only needed when something is actually cached.
        from platformdirs import user_cache_dir

        home = Path(user_cache_dir("depshield", appauthor=False))
    if home not in _CHECKED:
        _check(home, configured)
        _CHECKED.add(home)
    return home


def _check(home: Path, configured: str) -> None:

    named = f"{ENV_VAR} {str(home)!r}" if configured else f"the cache directory {str(home)!r}"
    tip = f"set {ENV_VAR} to a directory you can write, or unset it to use the default"
    if home.exists() and not home.is_dir():
        raise ConfigError(f"{named} is not a directory", tip=tip)
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{named} cannot be created: {exc.strerror}", tip=tip) from None
    if not os.access(home, os.W_OK | os.X_OK):
        raise ConfigError(f"{named} is not writable", tip=tip)
