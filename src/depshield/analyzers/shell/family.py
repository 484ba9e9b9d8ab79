"""The shell rules' registry: their run order and every type they may emit."""

from __future__ import annotations

from depshield.analyzers.base import (
    SIGNAL_DECODE,
    SIGNAL_DOWNLOAD,
    SIGNAL_SINK,
    SIGNAL_SOURCE,
    SIGNAL_SPAWN,
)
from depshield.analyzers.rule import registry
from depshield.analyzers.strings import LITERAL_TYPES

ORDER = (
    "shell.command",
    "shell.pipeline",
    "shell.reverse-shell",
    "shell.sequence",
    "shell.upload",
    "shell.dev-socket",
)
RULES = registry("shell", ORDER)

COMMAND_TYPES = frozenset(
    {
        SIGNAL_SPAWN,
        SIGNAL_DOWNLOAD,
        SIGNAL_SINK,
        SIGNAL_DECODE,
        SIGNAL_SOURCE,
        "shellAccess",
        "networkAccess",
        "remoteCodeDownload",
        "encodedPayloadExecution",
    }
    | LITERAL_TYPES
)
# Every type a shell rule may emit: rules of other families that analyse shell text (a
# `subprocess.run("curl ... | sh", shell=True)`) declare these (a test keeps it exact).
TYPES = COMMAND_TYPES | {"reverseShell", "dataExfiltration"}
