"""Python analyzer: every rule fires on its fixture (type, file, line) and not on its look-alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.findings import matching

from depshield.analyzers import shell, strings
from depshield.analyzers.python import PythonAnalyzer
from depshield.model import FileAnalysis

FIXTURES = Path(__file__).parent.parent.parent / "fixtures" / "python"


@pytest.fixture(autouse=True)
def _isolate_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The string and shell helpers are tested on their own; here only our findings count."""
    monkeypatch.setattr(strings, "scan_literal", lambda *a, **k: [])
    monkeypatch.setattr(shell, "analyze_shell", lambda *a, **k: [])


def analyze(fixture: str, path: str | None = None) -> FileAnalysis:
    path = path or f"pkg/{fixture}"
    return PythonAnalyzer().analyze(path, (FIXTURES / fixture).read_bytes())


# fixture, finding type, line, top_level, props that must match
FIRES: list[tuple[str, str, int, bool, dict[str, Any]]] = [
    ("capability-aliases.py", "networkAccess", 11, False, {"module": "urllib.request"}),
    ("capability-aliases.py", "shellAccess", 15, False, {"module": "subprocess"}),
    ("capability-aliases.py", "shellAccess", 18, True, {"module": "os"}),
    ("capability-aliases.py", "networkAccess", 19, True, {"module": "requests"}),
    ("capability-aliases.py", "signal:sink", 19, True, {"kind": "network"}),
    ("capability-aliases.py", "debugAccess", 20, True, {"module": "ctypes"}),
    ("capability-aliases.py", "signal:spawn", 18, True, {"command": "uname -a"}),
    ("import-obfuscated.py", "obfuscatedRequire", 4, True, {"module": "os"}),
    ("import-obfuscated.py", "obfuscatedRequire", 5, True, {"module": "subprocess"}),
    ("import-obfuscated.py", "obfuscatedRequire", 6, True, {"module": "socket"}),
    ("import-obfuscated.py", "obfuscatedRequire", 7, True, {"module": "socket"}),
    ("import-obfuscated.py", "obfuscatedRequire", 8, True, {"module": "subprocess"}),
    ("import-obfuscated.py", "obfuscatedRequire", 9, True, {"module": "os"}),
    ("import-obfuscated.py", "obfuscatedRequire", 10, True, {"module": "os.system"}),
    ("import-obfuscated.py", "shellAccess", 11, True, {"module": "os"}),
    ("import-obfuscated.py", "obfuscatedRequire", 12, True, {"module": "eval"}),
    ("import-obfuscated.py", "obfuscatedRequire", 14, True, {"module": "socket"}),
    ("import-obfuscated.py", "obfuscatedRequire", 15, True, {"module": "os.popen"}),
    ("import-obfuscated.py", "obfuscatedRequire", 16, True, {"module": "os"}),
    ("import-dynamic.py", "dynamicRequire", 5, False, {}),
    ("import-dynamic.py", "dynamicRequire", 9, False, {"function": "__import__"}),
    ("import-dynamic.py", "dynamicRequire", 13, False, {}),
    ("eval-aliases.py", "usesEval", 3, True, {"evalType": "exec"}),
    ("eval-aliases.py", "usesEval", 4, True, {"evalType": "exec"}),
    ("eval-aliases.py", "obfuscatedRequire", 4, True, {"module": "exec"}),
    ("eval-aliases.py", "usesEval", 6, True, {"evalType": "eval"}),
    ("eval-aliases.py", "usesEval", 7, True, {"evalType": "compile"}),
    ("eval-aliases.py", "usesEval", 8, True, {"evalType": "eval"}),
    ("eval-aliases.py", "signal:exec", 6, True, {"how": "eval"}),
    ("payload-chains.py", "encodedPayloadExecution", 6, True, {"decoder": ["base64"]}),
    ("payload-chains.py", "encodedPayloadExecution", 7, True, {"decoder": ["base64", "zlib"]}),
    ("payload-chains.py", "encodedPayloadExecution", 8, True, {"decoder": ["marshal"]}),
    ("payload-chains.py", "usesEval", 8, True, {"evalType": "marshal"}),
    ("payload-chains.py", "encodedPayloadExecution", 14, False, {"decoder": ["base64"]}),
    ("payload-chains.py", "encodedPayloadExecution", 17, True, {"decoder": ["rot13"]}),
    ("payload-chains.py", "encodedPayloadExecution", 18, True, {"decoder": ["hex"]}),
    ("payload-chains.py", "signal:decode", 6, True, {"how": "base64"}),
    ("download-exec.py", "remoteCodeDownload", 7, False, {"sink": "exec"}),
    ("download-exec.py", "remoteCodeDownload", 12, False, {"detail": "urllib.request.urlopen"}),
    ("download-write-run.py", "remoteCodeDownload", 14, False, {"pattern": "download-write-run"}),
    ("download-write-run.py", "remoteCodeDownload", 19, False, {"pattern": "download-write-run"}),
    ("download-write-run.py", "signal:download", 11, False, {"detail": "requests.get"}),
    ("download-write-run.py", "signal:write", 18, False, {"detail": "/tmp/a.sh"}),
    ("powershell-encoded.py", "remoteCodeDownload", 3, True, {}),
    ("powershell-encoded.py", "encodedPayloadExecution", 3, True, {"sink": "powershell"}),
    ("curl-pipe-sh.py", "remoteCodeDownload", 3, True, {"pattern": "download-piped-to-shell"}),
    ("reverse-shell.py", "reverseShell", 11, False, {}),
    ("reverse-shell.py", "reverseShell", 18, False, {}),
    ("reverse-shell.py", "reverseShell", 22, False, {}),
    ("env-all.py", "signal:source", 6, True, {"kind": "env-all"}),
    ("env-all.py", "signal:source", 7, True, {"kind": "env-all"}),
    ("env-all.py", "signal:source", 8, True, {"kind": "env-all"}),
    ("env-all.py", "signal:source", 11, True, {"kind": "env-all"}),
    ("env-all.py", "signal:source", 12, True, {"kind": "secret-env", "detail": "NPM_TOKEN"}),
    ("env-all.py", "envVars", 13, True, {"envVars": ["AWS_SECRET_ACCESS_KEY"]}),
    ("env-all.py", "signal:source", 13, True, {"kind": "secret-env"}),
    ("env-lookalikes.py", "envVars", 4, True, {"envVars": ["HOME"]}),
    ("env-lookalikes.py", "envVars", 12, True, {"envVars": ["VIRTUAL_ENV"]}),
    (
        "sources.py",
        "signal:source",
        11,
        False,
        {"kind": "hostname", "detail": "socket.gethostname"},
    ),
    ("sources.py", "signal:source", 11, False, {"kind": "userinfo"}),
    ("sources.py", "signal:source", 11, False, {"kind": "system-info"}),
    (
        "sources.py",
        "signal:source",
        15,
        False,
        {"kind": "sensitive-file", "detail": "~/.ssh/id_rsa"},
    ),
    ("sources.py", "filesystemAccess", 15, False, {"module": "builtins"}),
    ("sources.py", "signal:source", 20, False, {"kind": "sensitive-file", "detail": "~/.npmrc"}),
    ("sources.py", "signal:source", 25, False, {"kind": "credential-store"}),
    ("sources.py", "signal:source", 26, False, {"kind": "credential-store"}),
    ("sinks-dns.py", "signal:sink", 7, False, {"kind": "dns"}),
    ("sinks-dns.py", "signal:sink", 8, False, {"kind": "dns"}),
    ("socket-client.py", "signal:sink", 6, False, {"kind": "network"}),
    ("fs-writes.py", "filesystemAccess", 7, False, {"module": "builtins"}),
    ("fs-writes.py", "signal:write", 7, False, {"detail": "{?}/.bashrc"}),
    ("fs-writes.py", "filesystemAccess", 9, False, {"module": "shutil"}),
    ("fs-writes.py", "filesystemAccess", 10, False, {"module": "pathlib"}),
    ("fs-writes.py", "signal:write", 10, False, {"detail": "/tmp/marker"}),
    ("fs-writes.py", "filesystemAccess", 11, False, {"module": "os"}),
    ("debug-access.py", "debugAccess", 5, True, {"module": "sys"}),
    ("debug-access.py", "debugAccess", 7, True, {"module": "inspect"}),
    ("debug-access.py", "debugAccess", 7, True, {"module": "frame"}),
    ("debug-access.py", "debugAccess", 8, True, {"module": "ctypes"}),
    ("nested-exec-literal.py", "networkAccess", 1, True, {"module": "socket", "via": "exec"}),
    ("nested-exec-literal.py", "signal:sink", 1, True, {"kind": "network", "via": "exec"}),
    ("python-c.py", "shellAccess", 4, True, {"module": "os", "via": "python -c"}),
    ("payload-chains.py", "shellAccess", 6, True, {"module": "os", "via": "exec"}),
    ("obfuscated-builtin-spelling.py", "obfuscatedRequire", 3, True, {"module": "chr"}),
    ("obfuscated-builtin-spelling.py", "obfuscatedRequire", 5, True, {"module": "socket"}),
    ("obfuscated-builtin-spelling.py", "obfuscatedFile", 3, True, {}),
    ("import-from-path.py", "dynamicRequire", 5, True, {"path": "{?}/tools/_hook.py"}),
    ("written-code-run.py", "remoteCodeDownload", 8, False, {"via": "written-code"}),
    ("dropper-decoded.py", "encodedPayloadExecution", 13, False, {"pattern": "dropper"}),
    ("download-rename-run.py", "remoteCodeDownload", 10, True, {"pattern": "download-write-run"}),
    ("payload-xor-loop.py", "encodedPayloadExecution", 7, False, {"decoder": ["xor"]}),
    ("command-assembled.py", "remoteCodeDownload", 9, True, {"pattern": "download-then-run"}),
    (
        "payload-eval-spelled.py",
        "encodedPayloadExecution",
        8,
        True,
        {"decoder": ["base64", "rot13"]},
    ),
    ("payload-eval-spelled.py", "shellAccess", 8, True, {"via": "eval"}),
    ("payload-helper-function.py", "encodedPayloadExecution", 9, True, {"decoder": ["base64"]}),
    ("payload-helper-function.py", "shellAccess", 9, True, {"via": "exec"}),
    ("payload-chunked.py", "encodedPayloadExecution", 13, True, {"decoder": ["base64"]}),
    (
        "obfuscated-builtins-renamed.py",
        "obfuscatedFile",
        1,
        True,
        {"reason": "builtins renamed in bulk"},
    ),
    ("obfuscated-import-soup.py", "obfuscatedFile", 1, True, {"reason": "__import__ soup"}),
    ("truncated-no-imports.py", "signal:source", 2, True, {"kind": "hostname"}),
    ("truncated-no-imports.py", "signal:sink", 3, True, {"kind": "network"}),
    ("import-spelled-by-index.py", "obfuscatedRequire", 4, True, {"how": ["indexing"]}),
    ("import-spelled-by-index.py", "obfuscatedFile", 4, True, {}),
    ("payload-from-file.py", "encodedPayloadExecution", 9, False, {"sink": "exec"}),
    (
        "obfuscated-import-soup.py",
        "encodedPayloadExecution",
        1,
        True,
        {"decoder": ["base64", "zlib"]},
    ),
]


@pytest.mark.parametrize(("fixture", "type_", "line", "top", "props"), FIRES)
def test_rule_fires(fixture: str, type_: str, line: int, top: bool, props: dict[str, Any]) -> None:
    found = matching(analyze(fixture), type_, line, **props)
    assert found, f"{type_} not at {fixture}:{line}"
    assert all(f.top_level is top for f in found)
    assert all(0 < len(f.evidence) <= 120 for f in found)


# fixture, finding type that must not appear at all (or not at this line)
SILENT: list[tuple[str, str, int | None]] = [
    ("capability-lookalikes.py", "networkAccess", None),
    ("capability-lookalikes.py", "shellAccess", None),
    ("capability-lookalikes.py", "usesEval", None),
    ("capability-lookalikes.py", "signal:spawn", None),
    ("import-plain.py", "dynamicRequire", None),
    ("import-plain.py", "obfuscatedRequire", None),
    ("import-dynamic.py", "obfuscatedRequire", None),
    ("import-composed.py", "obfuscatedRequire", None),
    # A reversed name that loads nothing: an attribute of an imported module, an own global.
    ("import-decoded-lookup.py", "obfuscatedRequire", None),
    ("eval-lookalikes.py", "usesEval", None),
    ("eval-lookalikes.py", "signal:exec", None),
    ("payload-lookalikes.py", "encodedPayloadExecution", None),
    ("payload-lookalikes.py", "remoteCodeDownload", None),
    ("download-lookalike.py", "remoteCodeDownload", None),
    ("write-script-run.py", "remoteCodeDownload", None),
    ("command-fetch-only.py", "remoteCodeDownload", None),
    ("write-script-run.py", "encodedPayloadExecution", None),
    ("write-script-run.py", "usesEval", None),
    ("powershell-plain.py", "remoteCodeDownload", None),
    ("powershell-plain.py", "encodedPayloadExecution", None),
    ("curl-version.py", "remoteCodeDownload", None),
    ("socket-client.py", "reverseShell", None),
    ("env-lookalikes.py", "signal:source", None),
    ("sources-lookalikes.py", "signal:source", None),
    ("sources-lookalikes.py", "filesystemAccess", None),
    ("sinks-dns-lookalike.py", "signal:sink", None),
    ("fs-reads.py", "filesystemAccess", None),
    ("fs-reads.py", "signal:write", None),
    ("debug-lookalike.py", "debugAccess", None),
    ("capability-aliases.py", "obfuscatedFile", None),
    ("generated-parser-tables.py", "obfuscatedFile", None),
    ("vendored-six-like.py", "obfuscatedFile", None),
    ("payload-chains.py", "obfuscatedFile", None),
    ("download-write-run.py", "obfuscatedFile", None),
    ("import-dunder-once.py", "obfuscatedFile", None),
    ("payload-from-file.py", "encodedPayloadExecution", 15),
    ("import-dunder-once.py", "obfuscatedRequire", None),
]


@pytest.mark.parametrize(("fixture", "type_", "line"), SILENT)
def test_lookalike_stays_silent(fixture: str, type_: str, line: int | None) -> None:
    found = matching(analyze(fixture), type_, line)
    assert not found, [(f.line, f.props) for f in found]


def test_local_exec_shadows_the_builtin() -> None:
    result = analyze("eval-lookalikes.py")
    assert not matching(result, "usesEval")
    assert result.language == "python" and result.skipped is None


def test_reading_home_is_env_vars_but_not_the_whole_environment() -> None:
    result = analyze("env-lookalikes.py")
    assert matching(result, "envVars", 4, envVars=["HOME"])
    assert not matching(result, "signal:source", kind="env-all")
    assert not matching(result, "signal:source", 14)  # GITHUB_ACTIONS is not a secret
    assert matching(result, "envVars", 46, envVars=["AWS_CONFIG_FILE"])
    assert not matching(result, "signal:source", 46)  # configuration, not credentials


def test_env_copy_handed_to_a_child_is_not_env_all() -> None:
    result = analyze("env-lookalikes.py")
    for line in (6, 7, 9, 10, 18, 23, 25, 26, 30, 31, 34, 39, 43, 46, 50, 51, 52):
        assert not matching(result, "envVars", line, envVars=["*"])


def test_relative_imports_are_listed_as_specifiers() -> None:
    result = analyze("import-plain.py")
    assert result.imports == (".sibling", ".helpers", "..pkg.mod", ".plugins")


def test_obfuscated_files() -> None:
    pyarmor = matching(analyze("obfuscated-pyarmor.py"), "obfuscatedFile", 2)
    assert pyarmor and pyarmor[0].props["confidence"] >= 0.9
    assert matching(analyze("obfuscated-lambda-soup.py"), "obfuscatedFile", 1, reason="lambda soup")
    names = matching(analyze("obfuscated-confusables.py"), "obfuscatedFile")
    assert names and names[0].props["reason"] == "confusable identifiers"
    hidden = matching(analyze("eval-aliases.py"), "obfuscatedFile")
    assert hidden and 0.5 <= hidden[0].props["confidence"] < 0.9


def test_powershell_encoded_command_is_decoded() -> None:
    found = matching(analyze("powershell-encoded.py"), "remoteCodeDownload", 3)
    assert "hello from an inert fixture" in found[0].props["decoded"]


def test_lines_of_code_skip_blanks_and_comments() -> None:
    assert analyze("capability-aliases.py").lines_of_code == 13
    assert analyze("obfuscated-pyarmor.py").lines_of_code == 2


def test_wants_python_sources_and_pth_files() -> None:
    analyzer = PythonAnalyzer()
    assert analyzer.name == "python" and analyzer.version == "2"
    for path in ("a.py", "pkg/B.PY", "gui.pyw", "x-init.pth"):
        assert analyzer.wants(path)
    for path in ("a.pyc", "a.txt", "py", "setup.cfg"):
        assert not analyzer.wants(path)


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("NPM_TOKEN", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("AWS_SESSION_TOKEN", True),
        ("GITHUB_TOKEN", True),
        ("OPENAI_API_KEY", True),
        ("DB_PASSWORD", True),
        ("AWS_REGION", False),
        ("AWS_CONFIG_FILE", False),
        ("GITHUB_REF_NAME", False),
        ("GITHUB_ACTIONS", False),
        ("HOME", False),
    ],
)
def test_secret_environment_names(name: str, secret: bool) -> None:
    from depshield.analyzers.python.env import is_secret

    assert is_secret(name) is secret


def test_long_repetitive_identifiers_are_obfuscation() -> None:
    long_name = "__NO" * 30
    source = f"{long_name} = 1\nprint({long_name})\n".encode()
    found = PythonAnalyzer().analyze("pkg/m.py", source).findings
    assert [f.props["reason"] for f in found if f.type == "obfuscatedFile"] == [
        "long repetitive identifiers"
    ]
    generated = "validate_https___setuptools_pypa_io_en_latest_userguide_pyproject_config_html" * 2
    source = f"def {generated}():\n    pass\n".encode()
    assert not PythonAnalyzer().analyze("pkg/_validations.py", source).findings
