"""Shell scripts shipped in a package (`build.sh` run by a preinstall script), as an analyzer."""

from __future__ import annotations

from depshield.analyzers.shell.script import analyze_shell
from depshield.model import FileAnalysis

SUFFIXES = (".sh", ".bash", ".zsh", ".command")


class ShellScriptAnalyzer:
    name = "shell"
    version = "1"

    def wants(self, path: str) -> bool:
        return path.lower().endswith(SUFFIXES)

    def analyze(self, path: str, data: bytes) -> FileAnalysis:
        text = data.decode("utf-8", errors="replace")
        lines = sum(
            1 for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
        )
        try:
            findings = analyze_shell(text, path, 0, True)
        except (ValueError, RecursionError) as exc:
            return FileAnalysis(path, "shell", (), (), lines, skipped=f"shell parse failed: {exc}")
        return FileAnalysis(path, "shell", tuple(findings), (), lines)
