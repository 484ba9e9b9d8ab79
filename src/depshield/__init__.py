"""depshield: static supply-chain attack detection for npm and PyPI packages.

The library's surface is `__all__`; names load on first use, so `import depshield` (and the
CLI's start-up) costs nothing beyond this file.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: `import depshield` starts the CLI and its client
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"

# name -> the module that defines it, or "module:name" when the surface renames it (`scan`
# would be shadowed by the depshield.scan subpackage); tests/test_public_api.py keeps it complete.
_SURFACE = {
    "analyze_spec": "depshield.api",
    "parse_spec": "depshield.api",
    "analyze_artifact": "depshield.api",
    "examine": "depshield.analysis",
    "judge_examined": "depshield.judging",
    "Examined": "depshield.analysis",
    "diff_packages": "depshield.diff",
    "scan_project": "depshield.scan.run:scan",
    "parse_project": "depshield.scan.run",
    "ScanOptions": "depshield.scan.run",
    "ScanOutcome": "depshield.scan.run",
    "load_policy": "depshield.config",
    "find_config": "depshield.config",
    "Policy": "depshield.policy",
    "Ignore": "depshield.policy",
    "PackageRef": "depshield.model",
    "PackageResult": "depshield.model",
    "Alert": "depshield.model",
    "Finding": "depshield.model",
    "Override": "depshield.model",
    "ecosystem_of": "depshield.model",
    "FileAnalysis": "depshield.model",
    "Scores": "depshield.model",
    "SkippedFile": "depshield.model",
    "When": "depshield.model",
    "DepshieldError": "depshield.errors",
    "UsageError": "depshield.errors",
    "ConfigError": "depshield.errors",
    "RegistryError": "depshield.errors",
    "NotFoundError": "depshield.errors",
    "RegistryUnreachable": "depshield.errors",
    "IntegrityError": "depshield.errors",
    "ArchiveError": "depshield.errors",
    "NothingToScan": "depshield.errors",
}

__all__ = [
    "__version__",
    "analyze_spec",
    "parse_spec",
    "analyze_artifact",
    "examine",
    "judge_examined",
    "Examined",
    "diff_packages",
    "scan_project",
    "parse_project",
    "ScanOptions",
    "ScanOutcome",
    "load_policy",
    "find_config",
    "Policy",
    "Ignore",
    "PackageRef",
    "PackageResult",
    "Alert",
    "Finding",
    "Override",
    "ecosystem_of",
    "FileAnalysis",
    "Scores",
    "SkippedFile",
    "When",
    "DepshieldError",
    "UsageError",
    "ConfigError",
    "RegistryError",
    "NotFoundError",
    "RegistryUnreachable",
    "IntegrityError",
    "ArchiveError",
    "NothingToScan",
]

if TYPE_CHECKING:
    from depshield.analysis import Examined, examine
    from depshield.api import analyze_artifact, analyze_spec, parse_spec
    from depshield.config import find_config, load_policy
    from depshield.diff import diff_packages
    from depshield.errors import (
        ArchiveError,
        ConfigError,
        DepshieldError,
        IntegrityError,
        NotFoundError,
        NothingToScan,
        RegistryError,
        RegistryUnreachable,
        UsageError,
    )
    from depshield.judging import judge_examined
    from depshield.model import (
        Alert,
        FileAnalysis,
        Finding,
        Override,
        PackageRef,
        PackageResult,
        Scores,
        SkippedFile,
        When,
        ecosystem_of,
    )
    from depshield.policy import Ignore, Policy
    from depshield.scan.run import ScanOptions, ScanOutcome, parse_project
    from depshield.scan.run import scan as scan_project


def __getattr__(name: str) -> Any:
    module = _SURFACE.get(name)
    if module is None:
        raise AttributeError(f"module 'depshield' has no attribute {name!r}")
    import importlib

    module, _, attr = module.partition(":")
    value = getattr(importlib.import_module(module), attr or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
