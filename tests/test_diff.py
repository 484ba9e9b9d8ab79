"""Version diff: new alerts, capabilities, files, dependencies, newCapabilityInPatch, the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from depshield.analysis import Examined, decode, encode, examine
from depshield.cli.main import main
from depshield.diff import VersionDiff, change_kind, diff_examined
from depshield.model import Finding

FIXTURES = Path(__file__).parent / "fixtures"
DIFF = FIXTURES / "diff"
INCIDENTS = FIXTURES / "incidents"


def diff_dirs(old: Path, new: Path, **kw: Any) -> VersionDiff:
    return diff_examined(examine(old), examine(new), **kw)


def patch_findings(diff: VersionDiff) -> list[Finding]:
    return [f for f in diff.findings if f.type == "newCapabilityInPatch"]


def test_event_stream_patch_adds_a_dependency() -> None:
    diff = diff_dirs(DIFF / "event-stream-3.3.5", DIFF / "event-stream-3.3.6")
    assert diff.change == "patch"
    assert diff.dependencies_added == ("flatmap-stream",)
    assert diff.dependencies_removed == ()
    assert diff.files_changed == ("index.js", "package.json")
    assert diff.files_added == diff.files_removed == ()
    assert patch_findings(diff) == []  # no capability gained: the payload is in the dependency


def test_debug_patch_appends_an_obfuscated_block() -> None:
    diff = diff_dirs(DIFF / "debug-4.4.1", INCIDENTS / "npm-debug")
    assert diff.change == "patch"
    [found] = patch_findings(diff)
    assert (found.file, found.line) == ("index.js", 11)
    assert found.props == {"capability": "obfuscatedFile", "from": "4.4.1", "to": "4.4.2"}
    new = {(a.type, a.file, a.line) for a in diff.new_alerts}
    assert ("obfuscatedFile", "index.js", 11) in new
    assert ("newCapabilityInPatch", "index.js", 11) in new
    assert diff.new.verdict == "warn" and diff.old.verdict == "pass"


def test_eslint_scope_patch_gains_a_postinstall() -> None:
    diff = diff_dirs(DIFF / "eslint-scope-3.7.1", INCIDENTS / "npm-eslint-scope")
    by_capability = {f.props["capability"]: f for f in patch_findings(diff)}
    install = by_capability["installScripts"]
    assert (install.file, install.line) == ("package.json", 6)
    assert {"networkAccess", "usesEval"} <= set(by_capability)
    assert diff.files_added == ("lib/build.js",)
    assert diff.capabilities_gained == ("eval", "net")
    alert = next(a for a in diff.new.alerts if a.type == "newCapabilityInPatch")
    assert (alert.severity, alert.action) == ("high", "warn")


def test_pypi_minor_release_starts_sending_the_environment() -> None:
    diff = diff_dirs(DIFF / "ctx-0.1.2", INCIDENTS / "pypi-ctx")
    assert diff.change == "minor"  # PEP 440 has no caret: 0.1 -> 0.2 is not a major
    network = next(f for f in patch_findings(diff) if f.props["capability"] == "networkAccess")
    assert (network.file, network.line) == ("ctx/__init__.py", 15)
    assert diff.new.verdict == "block"


def test_benign_minor_release_adding_a_file() -> None:
    diff = diff_dirs(DIFF / "textkit-1.0.0", DIFF / "textkit-1.1.0")
    assert diff.change == "minor"
    assert diff.files_added == ("lib/pad.js",)
    assert diff.files_changed == ("index.js", "package.json")
    assert diff.findings == ()
    assert diff.new_alerts == ()
    assert diff.new.verdict == "pass"


def test_major_release_gaining_network_is_no_patch_alert() -> None:
    diff = diff_dirs(DIFF / "fetcher-1.0.0", DIFF / "fetcher-2.0.0")
    assert diff.change == "major"
    assert patch_findings(diff) == []
    assert diff.capabilities_gained == ("net",)
    assert diff.capabilities_lost == ("fs",)
    assert {(a.type, a.line) for a in diff.new_alerts} == {
        ("networkAccess", 2),
        ("networkAccess", 4),
    }


def test_alerts_are_matched_without_their_line(tmp_path: Path) -> None:
    # The same code two lines lower is no new alert: alerts match by type, file and evidence.
    source = DIFF / "fetcher-2.0.0"
    moved = tmp_path / "fetcher"
    moved.mkdir()
    manifest = json.loads((source / "package.json").read_text())
    (moved / "package.json").write_text(json.dumps({**manifest, "version": "2.0.1"}))
    (moved / "index.js").write_text(
        "// reads JSON\n// over https\n" + (source / "index.js").read_text()
    )
    diff = diff_examined(examine(source), examine(moved))
    assert diff.change == "patch"
    assert diff.new_alerts == diff.resolved_alerts == ()
    assert [a.line for a in diff.new.alerts if a.type == "networkAccess"] == [4, 6]


def write_package(root: Path, version: str, files: dict[str, str], license_: str = "MIT") -> Path:
    folder = root / version
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    package = {"name": "lib", "version": version, "main": "a.js", "license": license_}
    (folder / "package.json").write_text(json.dumps(package))
    return folder


def module(name: str, lines: int) -> str:
    return "".join(f"exports.{name}{i} = function () {{ return {i}; }};\n" for i in range(lines))


BASE = {"a.js": module("a", 40), "b.js": module("b", 40), "c.js": module("c", 30), "d.js": "x;\n"}


def test_major_refactor_when_most_of_the_code_changed(tmp_path: Path) -> None:
    old = write_package(tmp_path, "1.0.0", BASE)
    new = write_package(
        tmp_path, "1.0.1", {**BASE, "a.js": module("aa", 40), "b.js": module("bb", 40)}
    )
    diff = diff_dirs(old, new)
    [found] = [f for f in diff.findings if f.type == "majorRefactor"]
    # a.js and b.js changed: 80 of the 111 lines of code are in changed files.
    assert found.props == {"changedPercent": 72.1, "files": 4, "from": "1.0.0"}
    assert diff.changed_percent == 72.1
    small = write_package(tmp_path, "1.0.2", {**BASE, "d.js": "y;\n"})
    diff = diff_dirs(old, small)
    assert diff.changed_percent == 0.9
    assert not [f for f in diff.findings if f.type == "majorRefactor"]


def test_few_files_never_make_a_major_refactor(tmp_path: Path) -> None:
    old = write_package(tmp_path, "1.0.0", {"a.js": module("a", 5)})
    new = write_package(tmp_path, "1.0.1", {"a.js": module("b", 5)})
    diff = diff_dirs(old, new)
    assert diff.changed_percent == 100.0
    assert not [f for f in diff.findings if f.type == "majorRefactor"]


def test_license_change(tmp_path: Path) -> None:
    old = write_package(tmp_path, "1.0.0", BASE)
    new = write_package(tmp_path, "1.1.0", BASE, license_="SSPL-1.0")
    [found] = diff_dirs(old, new).findings
    assert (found.type, found.props) == ("licenseChange", {"from": "MIT", "to": "SSPL-1.0"})
    same = write_package(tmp_path, "1.2.0", BASE, license_=" mit ")
    assert diff_dirs(old, same).findings == ()


@pytest.mark.parametrize(
    ("eco", "old", "new", "kind"),
    [
        ("npm", "1.2.3", "1.2.4", "patch"),
        ("npm", "1.2.3", "1.3.0", "minor"),
        ("npm", "1.2.3", "2.0.0", "major"),
        ("npm", "0.1.0", "0.2.0", "major"),  # ^0.1.0 does not accept 0.2.0
        ("npm", "0.1.0", "0.1.1", "patch"),
        ("npm", "1.0.0-beta.1", "1.0.0", "patch"),
        ("npm", "2.0.0", "1.9.9", "downgrade"),
        ("npm", "1.0.0", "v1.0.0", "same"),
        ("npm", "1.0.0", "not-a-version", "unknown"),
        ("pypi", "0.1.2", "0.2.6", "minor"),
        ("pypi", "1.0", "1.0.0", "same"),
        ("pypi", "1.0.post1", "1.0.1", "patch"),
        ("pypi", "1!1.0", "2.0", "downgrade"),
        ("pypi", "2.0", None, "unknown"),
    ],
)
def test_change_kind(eco: str, old: str, new: str | None, kind: str) -> None:
    assert change_kind(eco, old, new) == kind


def test_publisher_change_from_registry_metadata() -> None:
    old, new = examine(DIFF / "event-stream-3.3.5"), examine(DIFF / "event-stream-3.3.6")
    diff = diff_examined(
        old, new, {"_npmUser": {"name": "dominictarr"}}, {"_npmUser": {"name": "right9ctrl"}}
    )
    assert diff.publisher == ("dominictarr", "right9ctrl")
    assert diff_examined(old, new).publisher == (None, None)


def test_without_digests_files_are_not_compared() -> None:
    old, new = examine(DIFF / "textkit-1.0.0"), examine(DIFF / "textkit-1.1.0")
    bare = Examined(new.ecosystem, new.manifest, new.files, new.paths, new.refused)
    diff = diff_examined(old, bare)
    assert diff.changed_percent is None and diff.files_changed == ()
    assert diff.files_added == ("lib/pad.js",)
    assert any("not compared" in n for n in diff.notes)


def test_cached_shape_keeps_digests() -> None:
    examined = examine(DIFF / "textkit-1.1.0")
    assert set(examined.digests) == set(examined.paths)
    again = decode(json.loads(json.dumps(encode(examined))))
    assert again is not None and again.digests == examined.digests
    old_shape = encode(examined)
    del old_shape["digests"]
    assert decode(old_shape) is None


# --- the command ---------------------------------------------------------------------------------


def test_cli_json_and_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    old, new = str(DIFF / "eslint-scope-3.7.1"), str(INCIDENTS / "npm-eslint-scope")
    assert main(["diff", old, new, "--format", "json"]) == 1
    body = json.loads(capsys.readouterr().out)["diff"]
    assert body["change"] == "patch"
    assert "newCapabilityInPatch" in {a["type"] for a in body["newAlerts"]}
    assert body["files"]["added"] == ["lib/build.js"]
    assert main(["diff", old, new, "--fail-on", "never"]) == 0


def test_cli_warn_verdict_fails_only_with_fail_on_warn(capsys: pytest.CaptureFixture[str]) -> None:
    old, new = str(DIFF / "debug-4.4.1"), str(INCIDENTS / "npm-debug")
    assert main(["diff", old, new]) == 0
    assert main(["diff", old, new, "--fail-on", "warn"]) == 1
    text = capsys.readouterr().out
    assert "npm:debug 4.4.1 -> 4.4.2 (patch)" in text
    assert "newCapabilityInPatch (high, warn) index.js:11" in text


def test_cli_markdown_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "diff.md"
    old, new = str(DIFF / "event-stream-3.3.5"), str(DIFF / "event-stream-3.3.6")
    assert main(["diff", old, new, "--format", "markdown", "--output", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("### depshield diff: event-stream 3.3.5 → 3.3.6 (patch)")
    assert "- added: flatmap-stream" in text


def test_cli_usage_and_network_errors(capsys: pytest.CaptureFixture[str]) -> None:
    npm_dir, pypi_dir = str(DIFF / "textkit-1.0.0"), str(DIFF / "ctx-0.1.2")
    assert main(["diff", npm_dir, pypi_dir]) == 2
    assert "is npm but" in capsys.readouterr().err
    assert main(["diff", npm_dir, "npm:textkit@1.1.0", "--offline"]) == 3
    assert main(["diff", npm_dir, "./missing-dir"]) == 2


def test_cli_registry_specs_bring_metadata(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    registry_server: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from support.registry_server import isolate_env, make_tgz, sri

    isolate_env(monkeypatch, tmp_path)
    monkeypatch.setenv("npm_config_registry", registry_server.url + "npm/")
    versions = {}
    for version, folder, user in (
        ("3.3.5", "event-stream-3.3.5", "dominictarr"),
        ("3.3.6", "event-stream-3.3.6", "right9ctrl"),
    ):
        files = {p.name: p.read_bytes() for p in (DIFF / folder).iterdir()}
        tgz = make_tgz(files)
        path = f"/npm/event-stream/-/event-stream-{version}.tgz"
        registry_server.bytes(path, tgz)
        manifest = json.loads(files["package.json"])
        versions[version] = {
            **manifest,
            "_npmUser": {"name": user},
            "dist": {"tarball": registry_server.url + path.lstrip("/"), "integrity": sri(tgz)},
        }
    doc = {"name": "event-stream", "dist-tags": {"latest": "3.3.6"}, "versions": versions}
    registry_server.json("/npm/event-stream", doc)
    code = main(["diff", "npm:event-stream@3.3.5", "npm:event-stream@3.3.6", "--format", "json"])
    body = json.loads(capsys.readouterr().out)["diff"]
    assert code == 0
    assert body["publisher"] == {"from": "dominictarr", "to": "right9ctrl"}
    assert body["dependencies"]["added"] == ["flatmap-stream"]
    new_types = {a["type"] for a in body["newAlerts"]}
    assert "newAuthor" in new_types  # from the registry history, judged on the new side
