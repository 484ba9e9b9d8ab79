"""The policy a pull request is judged by, read from its base commit: a change must not be able
to relax its own review by editing depshield.toml."""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath

from depshield.config import find_config, load_policy
from depshield.policy import Policy
from depshield.pr.source import Tree

CONFIG_NAMES = ("depshield.toml", "pyproject.toml")


def base_policy(tree: Tree, subdir: str = "") -> Policy:
    """The nearest depshield.toml (or pyproject.toml with [tool.depshield]) at or above
    `subdir` in the base tree; the default policy when there is none."""

    folder = PurePosixPath(subdir) if subdir not in ("", ".") else PurePosixPath()
    candidates = [
        (parent / name).as_posix() for parent in (folder, *folder.parents) for name in CONFIG_NAMES
    ]
    present = set(tree.files())
    wanted = [c.removeprefix("./") for c in candidates if c.removeprefix("./") in present]
    if not wanted:
        return Policy()
    with tempfile.TemporaryDirectory(prefix="depshield-policy-") as tmp:
        root = Path(tmp)
        tree.export(wanted, root)
        start = root / folder
        start.mkdir(parents=True, exist_ok=True)
        found = find_config(start)
        if found is None or root not in found.parents:
            return Policy()
        policy = load_policy(found)
    from dataclasses import replace

    return replace(policy, source=f"{tree.label}:{found.relative_to(root).as_posix()}")
