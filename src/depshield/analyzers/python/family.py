"""The Python rules' registry: their run order and the type sets they declare."""

from __future__ import annotations

import importlib

from depshield.analyzers.base import (
    SIGNAL_DECODE,
    SIGNAL_DOWNLOAD,
    SIGNAL_EXEC,
    SIGNAL_SINK,
    SIGNAL_SOURCE,
    SIGNAL_SPAWN,
    SIGNAL_WRITE,
)
from depshield.analyzers.rule import Registry, registry
from depshield.analyzers.shell.family import TYPES as SHELL_TYPES
from depshield.analyzers.strings import LITERAL_TYPES

# Run order. "setup" rules run before reach is computed (they mark install-time command
# classes); node rules run over every site of their kind; "qualname" rules run, inside
# python.call, on calls to the names they list; the fallback and .pth rules on lines.
ORDER = (
    "python.setup",
    "python.literal",
    "python.call",
    "python.call.open",
    "python.call.file-write",
    "python.call.path-api",
    "python.call.download-event",
    "python.call.connect-event",
    "python.call.dup2",
    "python.call.spawn",
    "python.call.worker",
    "python.call.exec",
    "python.call.pickle",
    "python.call.import",
    "python.call.getattr",
    "python.call.codec",
    "python.call.decoded",
    "python.call.dns",
    "python.call.getenv",
    "python.call.load-file",
    "python.subscript",
    "python.frame",
    "python.environ",
    "python.flow",
    "python.bot-tokens",
    "python.autostart",
    "python.obfuscation",
    "python.pth",
    "python.fallback",
    "python.pyarmor",
)
RULES = registry("python", ORDER)

# The modules whose decorators fill RULES (the analyzer imports them as it runs).
MODULES = (
    "depshield.analyzers.python.analysis",
    "depshield.analyzers.python.analyzer",
    "depshield.analyzers.python.calls",
    "depshield.analyzers.python.env",
    "depshield.analyzers.python.files",
    "depshield.analyzers.python.flow",
    "depshield.analyzers.python.imports",
    "depshield.analyzers.python.secrets",
    "depshield.analyzers.python.setup",
    "depshield.analyzers.python.spawn",
)

# What classify_call's call-name table implies (python/rules.py).
CAPABILITY_TYPES = frozenset(
    {"networkAccess", "shellAccess", "usesEval", "debugAccess", "filesystemAccess"}
)
CALL_NAME_TYPES = CAPABILITY_TYPES | {
    SIGNAL_SOURCE,
    SIGNAL_SINK,
    SIGNAL_DOWNLOAD,
    SIGNAL_DECODE,
    SIGNAL_EXEC,
    SIGNAL_SPAWN,
    SIGNAL_WRITE,
}
FILE_TYPES = frozenset({"filesystemAccess", SIGNAL_WRITE, SIGNAL_SOURCE})
IMPORT_TYPES = frozenset({"obfuscatedRequire", "dynamicRequire"})
ENV_TYPES = frozenset({"envVars", SIGNAL_SOURCE})
# A process started: its command line (python/cmdline.py) is shell text and literals.
SPAWN_TYPES = (
    frozenset(
        {
            SIGNAL_SPAWN,
            SIGNAL_EXEC,
            SIGNAL_DECODE,
            SIGNAL_DOWNLOAD,
            "usesEval",
            "remoteCodeDownload",
            "encodedPayloadExecution",
        }
    )
    | SHELL_TYPES
    | LITERAL_TYPES
)


def load() -> Registry:
    """RULES with every rule module imported."""
    for module in MODULES:
        importlib.import_module(module)
    return RULES
