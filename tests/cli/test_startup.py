"""The command starts lean: only the invoked command's modules are imported (start-up time is
measured in bench/detection.py; here we check the mechanism, not a timing)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from depshield.cli.main import main
try:
    main({argv!r})
except SystemExit:
    pass
prefixes = ("depshield", "httpx", "tree_sitter", "rich")
loaded = sorted(m for m in sys.modules if m.startswith(prefixes))
print("\\n".join(loaded))
"""


def _loaded(argv: list[str]) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv)], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_version_imports_no_command_module() -> None:
    loaded = _loaded(["--version"])
    assert not {m for m in loaded if m.startswith(("depshield.cli.", "httpx", "tree_sitter"))} - {
        "depshield.cli.main"
    }


def test_alerts_command_imports_no_analyzer_or_network_client() -> None:
    loaded = _loaded(["alerts"])
    assert "depshield.cli.alerts" in loaded
    assert not any(
        m.startswith(("depshield.analyzers", "httpx", "tree_sitter", "depshield.scan"))
        for m in loaded
    )
