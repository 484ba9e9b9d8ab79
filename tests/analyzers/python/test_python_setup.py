"""Python analyzer: install-time code (setup.py command classes, .pth files) and top_level."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.findings import matching

from depshield.analyzers import shell, strings
from depshield.analyzers.python import PythonAnalyzer
from depshield.model import FileAnalysis

FIXTURES = Path(__file__).parent.parent.parent / "fixtures" / "python"


@pytest.fixture(autouse=True)
def _isolate_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(strings, "scan_literal", lambda *a, **k: [])
    monkeypatch.setattr(shell, "analyze_shell", lambda *a, **k: [])


def analyze(fixture: str, path: str) -> FileAnalysis:
    return PythonAnalyzer().analyze(path, (FIXTURES / fixture).read_bytes())


def test_cmdclass_install_runs_at_install() -> None:
    result = analyze("setup-cmdclass-download.py", "setup.py")
    install = matching(result, "installScripts", 21)
    assert [f.props for f in install] == [{"script": "cmdclass:install", "source": "setup.py"}]
    # _fetch is called from PostInstall.run, so its body runs during `pip install`.
    assert matching(result, "networkAccess", 10)[0].top_level is True
    rcd = matching(result, "remoteCodeDownload", 12)
    assert rcd and rcd[0].top_level is True


def test_same_code_outside_setup_py_only_runs_if_called() -> None:
    result = analyze("setup-cmdclass-download.py", "pkg/installer.py")
    assert not matching(result, "installScripts")
    assert matching(result, "networkAccess", 10)[0].top_level is False


def test_cmdclass_through_a_variable_and_dict_call() -> None:
    result = analyze("setup-install-subclass.py", "setup.py")
    assert matching(result, "installScripts", 14, script="cmdclass:develop")
    assert matching(result, "shellAccess", 9)[0].top_level is True


def test_unreferenced_command_subclass_is_reported_at_the_class() -> None:
    result = analyze("setup-unreferenced-install.py", "setup.py")
    assert matching(result, "installScripts", 5, script="cmdclass:build_py", source="setup.py")
    assert matching(result, "shellAccess", 7)[0].top_level is True


def test_benign_setup_reading_readme_has_no_signals() -> None:
    result = analyze("setup-benign-readme.py", "setup.py")
    types = {f.type for f in result.findings}
    assert not types & {"signal:source", "signal:sink", "installScripts", "filesystemAccess"}


def test_git_describe_in_setup_is_shell_access_but_no_source() -> None:
    result = analyze("setup-git-describe.py", "setup.py")
    shell_access = matching(result, "shellAccess", 7, module="subprocess")
    assert shell_access and shell_access[0].top_level is True
    assert matching(result, "signal:spawn", 7, command="git describe --tags")
    assert not matching(result, "signal:source")
    assert not matching(result, "installScripts")


def test_developer_only_command_is_not_install_time() -> None:
    result = analyze("setup-upload-command.py", "setup.py")
    assert not matching(result, "installScripts")
    assert matching(result, "shellAccess", 16)[0].top_level is False


def test_pth_import_line_is_code_run_at_start() -> None:
    result = analyze("pth-import-exec.pth", "site-packages/inert-init.pth")
    assert matching(result, "installScripts", 1, script="pth:inert-init.pth")
    shell_access = matching(result, "shellAccess", 1, module="os")
    assert shell_access and shell_access[0].top_level is True
    assert matching(result, "remoteCodeDownload", 1)


def test_pth_with_only_paths_is_quiet() -> None:
    result = analyze("pth-paths-only.pth", "inert.pth")
    assert result.findings == () and result.skipped is None and result.lines_of_code == 0


@pytest.mark.parametrize(
    ("line", "top"),
    [(6, False), (10, True), (18, True), (22, True), (30, False), (32, True)],
)
def test_top_level_follows_calls_made_at_import(line: int, top: bool) -> None:
    result = analyze("top-level-reach.py", "pkg/reach.py")
    found = matching(result, "signal:spawn", line)
    assert found and found[0].top_level is top


def test_main_guard_runs_in_setup_py() -> None:
    result = analyze("top-level-reach.py", "setup.py")
    assert matching(result, "signal:spawn", 30)[0].top_level is True


def test_pip_main_at_install_is_a_spawned_command() -> None:
    result = analyze("setup-pip-main.py", "setup.py")
    assert matching(result, "shellAccess", 4, module="pip")
    assert matching(result, "signal:spawn", 4, command="pip install inert-helper")
