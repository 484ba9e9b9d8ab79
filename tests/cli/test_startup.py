"""The command starts lean: only the invoked command's modules are imported (start-up time is
measured in bench/detection.py; here we check the mechanism, not a timing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import sys
from depshield.cli.main import main
try:
    main({argv!r})
except SystemExit:
    pass
prefixes = ("depshield", "httpx", "tree_sitter", "rich", "packaging")
loaded = sorted(m for m in sys.modules if m.startswith(prefixes))
print("\\n".join(loaded))
"""


def _loaded(argv: list[str], env: dict[str, str] | None = None) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
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


def test_offline_package_of_a_local_npm_package_imports_only_its_path(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "package.json").write_text(json.dumps({"name": "lean", "version": "1.0.0"}))
    (package / "index.js").write_text("module.exports = (a, b) => a + b;\n")
    env = {**os.environ, "DEPSHIELD_HOME": str(tmp_path / "home"), "DEPSHIELD_NO_DAEMON": "1"}
    loaded = _loaded(["package", str(package), "--offline", "--format", "json"], env)
    assert "depshield.analyzers.javascript" in loaded  # the probe did analyse the package
    # Nothing to ask and no database imported: no network client, no advisory or matcher
    # modules, no terminal renderer for JSON, no Python-only machinery for an npm package and no
    # shell analyzer for a package that runs no shell.
    unneeded = (
        "httpx",
        "rich",
        "depshield.net",
        "depshield.vulns.registry",
        "depshield.vulns.base",
    )
    unneeded += ("depshield.vulns.match", "depshield.analyzers.python", "packaging")
    # no install script, no shell text: only the shell rules' type table (shell.family), which
    # the JavaScript rules that relay shell findings declare
    unneeded += ("depshield.analyzers.shell.script", "depshield.analyzers.shell.parse")
    assert not {m for m in loaded if m.startswith(unneeded)}
