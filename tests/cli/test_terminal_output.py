"""Text output conventions: --color and NO_COLOR/FORCE_COLOR, no hard wrapping off a terminal,
the terminal's width on one, progress on stderr when it is a terminal, --quiet."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from depshield.cli.main import main
from depshield.cli.terminal import show_progress, terminal_width, use_color
from depshield.model import Alert, PackageRef, PackageResult, Scores
from depshield.reports.base import Report
from depshield.reports.text import render

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "demo-app" / "npm-credential-stealer"
BENIGN = ROOT / "tests" / "fixtures" / "lookalikes" / "npm-http-client"
ESC = "\x1b["


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPSHIELD_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    ("flag", "env", "colored"),
    [
        ([], {}, False),  # a pipe: no colour
        ([], {"FORCE_COLOR": "1"}, True),
        ([], {"FORCE_COLOR": "0"}, False),
        ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),  # NO_COLOR wins over FORCE_COLOR
        (["--color", "always"], {"NO_COLOR": "1"}, True),  # the flag wins over both
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
    ],
)
def test_color_choice(
    flag: list[str],
    env: dict[str, str],
    colored: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["package", str(EXAMPLE), "--offline", *flag]) == 1
    out = capsys.readouterr().out
    assert (ESC in out) is colored
    assert "BLOCK" in out


def test_no_color_on_a_terminal_and_color_on_a_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    assert use_color("auto", Tty()) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color("auto", Tty()) is False
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert use_color("auto", Tty()) is False


def long_report() -> Report:
    evidence = "curl -fsSL https://get.example.invalid/" + "a" * 150 + " | sh"
    alert = Alert(
        "shellAccess", "supplyChainRisk", "middle", "monitor", "Shell", "Shell", "x.js", 1, evidence
    )
    pkg = PackageResult(PackageRef("npm", "demo", "1.0.0"), "pass", Scores(), (), (alert,))
    return Report([pkg], show_all=True)


def test_no_hard_wrapping_without_a_terminal() -> None:
    text = render(long_report())
    scores = next(line for line in text.splitlines() if "scores:" in line)
    assert "overall" in scores  # the scores line is one line, however long
    assert "…" not in text


def test_the_terminal_width_cuts_alert_lines_with_an_ellipsis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    width = terminal_width(Tty())
    assert width == 60
    assert terminal_width(io.StringIO()) is None  # a pipe: no width, no wrapping
    text = render(long_report(), width=width)
    alert_line = next(line for line in text.splitlines() if "shellAccess" in line)
    assert len(alert_line) <= 60 and alert_line.endswith("…")


def test_progress_whenever_stderr_is_a_terminal_unless_quiet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CI", "true")  # CI with a terminal (a pty) still gets progress
    assert show_progress(Tty(), quiet=False) is True
    assert show_progress(Tty(), quiet=True) is False
    assert show_progress(io.StringIO(), quiet=False) is False


def test_quiet_prints_only_what_warns_or_blocks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["package", str(BENIGN), "--offline", "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["package", str(EXAMPLE), "--offline", "-q"]) == 1
    out = capsys.readouterr().out
    assert "BLOCK" in out and "note:" not in out
