"""The library API: analyse a package given as a registry spec, a local path or an artifact."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from depshield.analysis import cache_key, decode, encode, examine
from depshield.artifacts.archive import artifact_digest
from depshield.ecosystems.plugins import plugin, plugins
from depshield.errors import RegistryError, UsageError
from depshield.judging import judge_examined
from depshield.model import PackageRef, PackageResult
from depshield.policy import Policy

if TYPE_CHECKING:
    from depshield.artifacts.base import Limits
    from depshield.cache import Cache

LOCAL_SUFFIXES = (".tgz", ".tar.gz", ".tar", ".zip", ".whl", ".egg", ".tar.bz2", ".tar.xz")


def parse_spec(spec: str, ecosystem: str | None = None) -> PackageRef | Path:
    """A local path when one exists (or looks like an archive), else a registry reference."""

    path = Path(spec).expanduser()
    if path.exists():
        return path
    if spec.lower().endswith(LOCAL_SUFFIXES) or spec.startswith((".", "/", "~")):
        raise UsageError(f"no such file or directory: {spec!r}")
    for candidate in plugins().values():
        ref = candidate.parse_spec(spec)
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


def analyze_artifact(
    path: Path,
    *,
    ecosystem: str | None = None,
    ref: PackageRef | None = None,
    policy: Policy | None = None,
    digest: str | None = None,
    limits: Limits | None = None,
    cache: Cache | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> PackageResult:
    """The library entry point: artifact bytes (+ what the registry said) -> a judged result.

    With a cache, an artifact already examined by the same code is not read again.
    """

    eco = ecosystem or (ref.ecosystem if ref else None)
    examined = None
    # The key digests every analysing source file: only a run with a cache needs it.
    key = cache_key(eco) if cache is not None else ""
    if cache is not None and path.is_file():
        digest = digest or artifact_digest(path)
        cached = cache.get_analysis(digest, key)
        examined = decode(cached) if cached else None
    if examined is None:
        examined = examine(path, eco, limits)
        if cache is not None and digest is not None:
            cache.put_analysis(digest, key, encode(examined))
    return judge_examined(examined, path, ref=ref, policy=policy, digest=digest, metadata=metadata)
