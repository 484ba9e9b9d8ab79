"""The guard's pure parts: command lines, lockfile diffs, pip's report, the decision, shells."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from depshield.guard.base import ExactFile, Plan
from depshield.guard.check import Checked
from depshield.guard.decide import decide
from depshield.guard.lockdiff import diff
from depshield.guard.npm_args import npm_prefix, parse_npm, parse_npx
from depshield.guard.npm_platform import allows, this_os, without_foreign_optionals
from depshield.guard.pip import parse_report
from depshield.guard.pip_args import needs_build, parse_pip
from depshield.guard.report import render
from depshield.guard.settings import GuardOptions, allow_warn_setting
from depshield.guard.shell_init import script
from depshield.guard.uv import parse_dry_run
from depshield.lockfiles.base import LockedPackage, Lockfile
from depshield.model import Alert, PackageRef, PackageResult, Scores


def test_npm_subcommand_after_valued_options() -> None:
    command = parse_npm(["--prefix", "app", "i", "-D", "left@1", "--tag", "next", "right"])

    assert command.kind == "install"
    assert command.specs == ("left@1", "right")
    assert command.prefix == "app"
    assert command.resolution_options() == ["-D", "--tag", "next"]


@pytest.mark.parametrize(
    ("args", "kind"),
    [(["ci"], "ci"), (["up"], "update"), (["x", "cowsay"], "exec"), (["run", "build"], "other")],
)
def test_npm_kinds(args: list[str], kind: str) -> None:
    assert parse_npm(args).kind == kind


def test_npm_resolution_drops_what_would_stop_a_lockfile_being_written() -> None:
    command = parse_npm(["install", "-g", "--no-save", "--dry-run", "x", "--save-exact"])

    assert command.global_
    assert command.resolution_options() == ["--save-exact"]


def test_npx_package_is_the_first_word_and_the_rest_is_its_own() -> None:
    assert parse_npx(["--yes", "cowsay@1", "--version"]).specs == ("cowsay@1",)
    assert parse_npx(["-p", "typescript", "tsc", "-v"]).packages == ("typescript",)


def test_npm_prefix_is_the_nearest_folder_with_a_manifest(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("{}")
    (tmp_path / "src" / "deep").mkdir(parents=True)

    assert npm_prefix(tmp_path / "src" / "deep") == tmp_path


def test_pip_arguments() -> None:
    command = parse_pip(
        ["-q", "install", "-r", "req.txt", "--report", "x.json", "-e", "./app", "pkg>=1"]
    )

    assert command.subcommand == "install"
    assert command.files == ("req.txt",)
    assert command.editables == ("./app",)
    assert command.requirements == ("pkg>=1",)
    assert "--report" not in command.resolution_args and "x.json" not in command.resolution_args


@pytest.mark.parametrize(
    ("item", "built"),
    [
        ("requests>=2", False),
        ("requests[socks]; python_version > '3'", False),
        ("./app", True),
        ("dist/pkg-1.0.tar.gz", True),
        ("git+https://git.example.invalid/x.git", True),
        ("pkg @ https://files.example.invalid/pkg-1.0.zip", True),
    ],
)
def test_what_pip_would_have_to_build(item: str, built: bool) -> None:
    assert needs_build(item) is built


def _pkg(name: str, version: str, *hashes: str, source: str = "registry") -> LockedPackage:
    return LockedPackage("npm", name, version, hashes=hashes, source=source)  # type: ignore[arg-type]


def test_diff_keeps_what_is_new_or_changed() -> None:
    installed = Lockfile("x", "npm", "package-lock@3", (_pkg("a", "1.0.0", "sha512-A"),))
    new = Lockfile(
        "x",
        "npm",
        "package-lock@3",
        (
            _pkg("a", "1.0.0", "sha512-A"),
            _pkg("b", "2.0.0"),
            _pkg("a", "1.0.0", "sha512-OTHER"),
            _pkg("me", "0.0.0", source="workspace"),
        ),
    )

    changes = diff(new, installed)

    # Same name and version but other bytes than installed: checked like a new package.
    assert [(p.key, p.hashes) for p in changes.added] == [
        ("b@2.0.0", ()),
        ("a@1.0.0", ("sha512-OTHER",)),
    ]
    assert changes.unchanged == 1
    assert changes.previous == {"a": "1.0.0"}


def test_diff_against_nothing_installed_is_everything() -> None:
    new = Lockfile("x", "npm", "package-lock@3", (_pkg("a", "1.0.0"), _pkg("b", "1.0.0")))

    assert len(diff(new, None).added) == 2


def test_pip_report_names_the_exact_files() -> None:
    report = {
        "version": "1",
        "install": [
            {
                "metadata": {"name": "clean-pad", "version": "1.0.0"},
                "requested": True,
                "download_info": {
                    "url": "http://127.0.0.1:1/files/clean_pad-1.0.0-py3-none-any.whl",
                    "archive_info": {"hashes": {"sha256": "ab" * 32}},
                },
            },
            {
                "metadata": {"name": "local", "version": "0.1"},
                "download_info": {"url": "file:///src/local", "dir_info": {}},
            },
        ],
    }

    plan = parse_report(report)

    assert [p.key for p in plan.packages] == ["clean-pad@1.0.0"]
    assert plan.packages[0].direct
    assert plan.exact["pkg:pypi/clean-pad@1.0.0"] == ExactFile(
        "http://127.0.0.1:1/files/clean_pad-1.0.0-py3-none-any.whl", "ab" * 32
    )
    assert plan.unchecked == ("local 0.1: from file:///src/local",)


def test_uv_dry_run_lines() -> None:
    text = "Resolved 2 packages in 3ms\nWould install 2 packages\n + clean-pad==1.0.0\n + b==2\n"

    assert [p.key for p in parse_dry_run(text).packages] == ["clean-pad@1.0.0", "b@2"]


def _result(verdict: str) -> PackageResult:
    alert = Alert(
        "dataExfiltration",
        "supplyChainRisk",
        "critical",
        "error" if verdict == "block" else "warn",
        "t",
        "m",
        file="collect.js",
        line=4,
        evidence="https.request(...)",
        props={"when": "install"},
    )
    ref = PackageRef("npm", f"{verdict}-pkg", "1.0.0")
    return PackageResult(ref, verdict, Scores(), (), (alert,))  # type: ignore[arg-type]


def _checked(*verdicts: str, network: bool = False, unchecked: tuple[str, ...] = ()) -> Checked:
    return Checked(tuple(_result(v) for v in verdicts), unchecked, (), network)


@pytest.mark.parametrize(
    ("checked", "options", "can_ask", "action", "code"),
    [
        (_checked("pass"), GuardOptions(), False, "run", 0),
        (_checked("block"), GuardOptions(yes=True), True, "stop", 1),
        (_checked("block"), GuardOptions(force=True), False, "run", 0),
        (_checked("warn"), GuardOptions(), True, "ask", 0),
        (_checked("warn"), GuardOptions(), False, "stop", 1),
        (_checked("warn"), GuardOptions(yes=True), False, "run", 0),
        (_checked("warn"), GuardOptions(allow_warn=True), False, "run", 0),
        (_checked("pass", unchecked=("git dep",)), GuardOptions(), False, "stop", 1),
        (_checked("pass", network=True), GuardOptions(yes=True), False, "stop", 3),
        (_checked("block"), GuardOptions(dry_run=True, force=True), False, "stop", 1),
        (_checked("warn"), GuardOptions(dry_run=True), False, "stop", 0),
    ],
)
def test_decision(
    checked: Checked, options: GuardOptions, can_ask: bool, action: str, code: int
) -> None:
    decision = decide(checked, options, can_ask=can_ask)

    assert (decision.action, decision.exit_code) == (action, code)


def test_report_names_package_alert_file_and_line() -> None:
    plan = Plan((), "test", previous={"block-pkg": "0.9.0"})

    lines = render(plan, _checked("block", "pass"))

    assert lines[0] == "  BLOCK npm:block-pkg@1.0.0  (installed now: 0.9.0)"
    assert lines[1].startswith("    dataExfiltration (error, critical) [install] collect.js:4")
    assert lines[-1] == "depshield: checked 2: 1 blocked, 0 with warnings, 1 passed"


def test_allow_warn_setting(tmp_path: Path) -> None:
    config = tmp_path / "depshield.toml"
    config.write_text("[guard]\nallow-warn = true\n")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.depshield.guard]\nallow-warn = false\n")

    assert allow_warn_setting(config) is True
    assert allow_warn_setting(pyproject) is False
    assert allow_warn_setting(None) is False


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_init_is_valid_syntax(shell: str) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")

    subprocess.run([shell, "-n"], input=script(shell), text=True, check=True)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_init_routes_installs_only(shell: str, tmp_path: Path) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("depshield", "npm", "pip", "yarn"):
        stub = bin_dir / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*"\n')
        stub.chmod(0o755)
    (tmp_path / "init").write_text(script(shell))
    load = f"source {tmp_path / 'init'}"
    commands = (
        "npm install left; npm run build; npm -D i x; pip install y; pip list; yarn; yarn run t"
    )

    done = subprocess.run(
        [shell, "-c", f"{load}; {commands}"],
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        check=True,
    )

    assert done.stdout.splitlines() == [
        "depshield npm -- install left",
        "npm run build",
        "depshield npm -- -D i x",
        "depshield pip -- install y",
        "pip list",
        "depshield yarn --",
        "yarn run t",
    ]


@pytest.mark.parametrize(
    ("values", "current", "allowed"),
    [
        (None, "linux", True),
        (["darwin"], "linux", False),
        (["!win32"], "linux", True),
        (["!linux"], "linux", False),
        (["linux", "darwin"], "linux", True),
    ],
)
def test_npm_os_and_cpu_rule(values: list[str] | None, current: str, allowed: bool) -> None:
    assert allows(values, current) is allowed


def test_optional_packages_for_another_platform_are_not_checked(tmp_path: Path) -> None:
    lock_path = tmp_path / "package-lock.json"
    other_os = "win32" if this_os() != "win32" else "linux"
    lock_path.write_text(
        json.dumps(
            {
                "lockfileVersion": 3,
                "packages": {
                    "": {"name": "p"},
                    "node_modules/native": {"version": "1.0.0", "optional": True, "os": [other_os]},
                    "node_modules/plain": {"version": "1.0.0", "os": [other_os]},
                },
            }
        )
    )
    lock = Lockfile(
        "package-lock.json",
        "npm",
        "package-lock@3",
        (_pkg("native", "1.0.0"), _pkg("plain", "1.0.0")),
    )

    kept = without_foreign_optionals(lock, lock_path)

    # Only optional ones are skipped: npm fails on a required package for another platform.
    assert [p.name for p in kept.packages] == ["plain"]
