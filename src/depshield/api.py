"""The library API: analyse a package given as a registry spec or a local path."""

from __future__ import annotations

from pathlib import Path

from depshield.errors import RegistryError, UsageError
from depshield.model import PackageRef, PackageResult
from depshield.policy import Policy

LOCAL_SUFFIXES = (".tgz", ".tar.gz", ".tar", ".zip", ".whl", ".egg", ".tar.bz2", ".tar.xz")


def parse_spec(spec: str, ecosystem: str | None = None) -> PackageRef | Path:
    """A local path when one exists (or looks like an archive), else a registry reference."""
    from depshield.ecosystems.registry import plugins

    path = Path(spec).expanduser()
    if path.exists():
        return path
    if spec.lower().endswith(LOCAL_SUFFIXES) or spec.startswith((".", "/", "~")):
        raise UsageError(f"no such file or directory: {spec!r}")
    for plugin in plugins().values():
        ref = plugin.parse_spec(spec)
        if ref is not None:
            return ref
    if ecosystem is not None:
        ref = plugins()[ecosystem].parse_spec(f"{ecosystem}:{spec}")
        if ref is not None:
            return ref
    raise UsageError(
        f"cannot tell what {spec!r} is",
        tip="give npm:NAME@VERSION, pypi:NAME==VERSION, or a path to a directory or archive",
    )


def analyze_spec(
    spec: str,
    *,
    ecosystem: str | None = None,
    offline: bool = False,
    artifact: str = "default",
    policy: Policy | None = None,
) -> list[PackageResult]:
    """Analyse one package; several results when more than one artifact was asked for."""
    from depshield.analysis import analyze_artifact
    from depshield.ecosystems.registry import plugin

    target = parse_spec(spec, ecosystem)
    if isinstance(target, Path):
        return [analyze_artifact(target, ecosystem=ecosystem, policy=policy)]
    if offline:
        raise RegistryError(
            f"--offline: cannot fetch {str(target)!r} from the registry",
            tip="give a local path to the package, or drop --offline",
        )
    fetched = plugin(target.ecosystem).fetch(target, artifact=artifact)
    from dataclasses import replace

    # The store names files by digest; the report names the file the registry published.
    return [
        replace(
            analyze_artifact(
                a.path, ref=a.ref, policy=policy, digest=a.digest, metadata=a.metadata
            ),
            artifact=a.filename,
        )
        for a in fetched
    ]
