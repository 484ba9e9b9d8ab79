"""The JavaScript rules' registry: their run order and the type sets they declare."""

from __future__ import annotations

import importlib

from depshield.analyzers.base import SIGNAL_EXEC, SIGNAL_PACKAGE, SIGNAL_SOURCE, SIGNALS
from depshield.analyzers.rule import Registry, registry
from depshield.analyzers.shell.family import TYPES as SHELL_TYPES
from depshield.analyzers.strings import LITERAL_TYPES

# Run order, after the bindings and load-time marks (javascript/__init__.py): node rules run
# over every capture of their kind, "file" rules once over the whole file.
ORDER = (
    "javascript.import",
    "javascript.call",
    "javascript.new",
    "javascript.eval-reference",
    "javascript.member",
    "javascript.spread",
    "javascript.for-in",
    "javascript.declaration",
    "javascript.remote-code",
    "javascript.remote-commands",
    "javascript.download-run",
    "javascript.command-download-run",
    "javascript.reverse-shell",
    "javascript.troll-loops",
    "javascript.destructive-walk",
    "javascript.browser",
    "javascript.strings",
    "javascript.profile-metadata",
    "javascript.verdict",
    "javascript.hidden",
    "javascript.unpacked",
)
RULES = registry("javascript", ORDER)

# The modules whose decorators fill RULES (imported by the analyzer before its first file).
MODULES = (
    "depshield.analyzers.javascript",
    "depshield.analyzers.javascript.browser",
    "depshield.analyzers.javascript.calls",
    "depshield.analyzers.javascript.dropflow",
    "depshield.analyzers.javascript.env",
    "depshield.analyzers.javascript.exec",
    "depshield.analyzers.javascript.modules",
    "depshield.analyzers.javascript.remote",
    "depshield.analyzers.javascript.threats",
)

CAPABILITY_TYPES = frozenset({"networkAccess", "shellAccess", "filesystemAccess", "debugAccess"})
LOAD_TYPES = CAPABILITY_TYPES | {SIGNAL_PACKAGE}
ENV_TYPES = frozenset({"envVars", SIGNAL_SOURCE})
EVAL_TYPES = frozenset({"usesEval", SIGNAL_EXEC})
# A call or a construction, resolved (javascript/calls.py): what its module and name imply,
# the request, file, decode, spawn (with its shell text) and exec rules on it.
CALL_TYPES = (
    LOAD_TYPES
    | SIGNALS
    | LITERAL_TYPES
    | SHELL_TYPES
    | EVAL_TYPES
    | ENV_TYPES
    | {
        "dynamicRequire",
        "obfuscatedRequire",
        "encodedPayloadExecution",
        "obfuscatedFile",
        "reverseShell",
    }
)


def load() -> Registry:
    """RULES with every rule module imported."""
    for module in MODULES:
        importlib.import_module(module)
    return RULES
