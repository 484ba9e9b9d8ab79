"""Where depshield keeps its caches: DEPSHIELD_HOME, else the platform's user cache directory."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "DEPSHIELD_HOME"


def depshield_home() -> Path:
    """The root of depshield's on-disk state (artifact store, caches, imported databases)."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return Path(configured).expanduser()
    # Lazy: platformdirs is only needed when something is actually cached.
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("depshield", appauthor=False))
