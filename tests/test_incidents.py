"""Every incident of the shared INCIDENTS.md, as an inert fixture package, is caught end to end;
the benign look-alikes are not blocked."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from depshield.alerts.grading import THREATS
from depshield.api import analyze_artifact
from depshield.model import PackageResult

FIXTURES = Path(__file__).parent / "fixtures"

# incident fixture -> verdict, and (type, file, line) alerts that must be present
# (line None: the type at that file, any line).
INCIDENTS: dict[str, tuple[str, list[tuple[str, str, int | None]]]] = {
    "npm-flatmap-stream": (
        "block",
        [
            ("encodedPayloadExecution", "index.min.js", 2),
            ("highEntropyStrings", "test/data.js", 2),
            ("obfuscatedRequire", "index.min.js", 2),
        ],
    ),
    "npm-eslint-scope": (
        "block",
        [
            ("installScripts", "package.json", 6),
            ("remoteCodeDownload", "lib/build.js", None),
            ("networkAccess", "lib/build.js", 3),
            ("usesEval", "lib/build.js", 6),
        ],
    ),
    "npm-ua-parser-js": (
        "block",
        [
            ("installScripts", "package.json", 6),
            ("remoteCodeDownload", "preinstall.js", 5),
            ("shellAccess", "preinstall.js", 5),
        ],
    ),
    "npm-coa": (
        "warn",
        [
            ("installScripts", "package.json", 6),
            ("obfuscatedFile", "compile.js", None),
        ],
    ),
    "npm-colors": ("warn", [("troll", "lib/colors.js", 7)]),
    "npm-node-ipc": (
        "warn",
        [
            ("networkAccess", "dao/ssl-geospec.js", 1),
            ("filesystemAccess", "dao/ssl-geospec.js", 1),
            ("troll", "dao/ssl-geospec.js", None),
        ],
    ),
    "npm-nx": (
        "block",
        [
            ("installScripts", "package.json", 6),
            ("dataExfiltration", "telemetry.js", None),
            ("shellAccess", "telemetry.js", 22),
            ("suspiciousString", "telemetry.js", None),
        ],
    ),
    "npm-debug": ("warn", [("obfuscatedFile", "index.js", None)]),
    "npm-shai-hulud": (
        "block",
        [
            ("installScripts", "package.json", 6),
            ("dataExfiltration", "bundle.js", None),
            ("shellAccess", "bundle.js", 8),
            ("envVars", "bundle.js", 6),
            ("suspiciousString", "bundle.js", None),
        ],
    ),
    # 2024-2026 shapes (INCIDENTS.md "2024-2026"): fetched code handed to constructors.
    "npm-2024-fetch-function": (
        "block",
        [
            ("remoteCodeDownload", "index.js", 2),
            ("remoteCodeDownload", "index.js", 4),
        ],
    ),
    "npm-2024-then-constructor": (
        "block",
        [("remoteCodeDownload", "index.js", 2), ("usesEval", "index.js", 4)],
    ),
    "npm-2024-shell-oneliner": ("block", [("dataExfiltration", "index.js", 2)]),
    # https.get -> write stream -> callback -> execFileSync(path): the written file is run.
    "npm-2024-download-run": ("block", [("remoteCodeDownload", "index.js", 17)]),
    # `curl -o ${dest} ${url}` then `start "" ${dest}` in a file nothing loads (issue 11:
    # a download written and run blocks wherever it sits).
    "npm-2024-curl-then-start": ("block", [("remoteCodeDownload", "lib/update.js", 11)]),
    # protestware (peacenotwar, 2022): a file left on the user's Desktop as the module loads,
    # the path handed to a local function that writes it.
    "npm-desktop-message": ("block", [("troll", "index.js", 8)]),
    # typosquat probe: install-time request to a literal host the file's own call passes,
    # carrying a host survey, its response unread: the request is the report.
    "npm-install-survey-ping": ("block", [("dataExfiltration", "scripts/notify.js", 5)]),
    # `node -e` in a hook: the inline code is analysed as install-time JavaScript.
    "npm-2024-json-payload-hook": (
        "block",
        [("encodedPayloadExecution", "package.json", 5), ("installScripts", "package.json", 5)],
    ),
    "pypi-ctx": ("block", [("dataExfiltration", "ctx/__init__.py", 15)]),
    "pypi-torchtriton": (
        "block",
        [
            ("hasNativeCode", "triton/runtime/triton", None),
            ("dataExfiltration", "triton/__init__.py", 15),
        ],
    ),
    "pypi-pth-persistence": (
        "block",
        [
            ("installScripts", "sitehelper-init.pth", None),
            ("encodedPayloadExecution", "sitehelper-init.pth", 1),
        ],
    ),
    "pypi-depconf-probe": (
        "block",
        [
            ("installScripts", "setup.py", None),
            ("dataExfiltration", "setup.py", 13),
        ],
    ),
}

LOOKALIKES = {
    # install steps judged by what they run: a banner of the package's own file, node-gyp
    "npm-postinstall-banner": "pass",
    "npm-native-addon": "pass",
    "pypi-setup-native-build": "pass",
    "npm-http-client": "pass",
    "npm-fetch-config": "pass",  # fetched JSON read as data, never compiled
    "npm-inline-node-hook": "warn",  # `node -e` that loads its own file and prints a decoded word
    "pypi-setup-reads-readme": "pass",
    "npm-save-to-documents": "pass",  # writes to Documents only when called; settings at load
    "npm-install-fetches-binary": "pass",  # install-time download to a literal host, kept
}


def analyze(name: str, group: str) -> PackageResult:
    return analyze_artifact(FIXTURES / group / name)


def present(result: PackageResult) -> set[tuple[str, str | None, int | None]]:
    return {(a.type, a.file, a.line) for a in result.alerts}


@pytest.mark.parametrize("name", sorted(INCIDENTS))
def test_incident_is_caught(name: str) -> None:
    verdict, expected = INCIDENTS[name]
    result = analyze(name, "incidents")
    found = present(result)
    for type_, file, line in expected:
        if line is None:
            assert any(t == type_ and f == file for t, f, _ in found), (type_, file, sorted(found))
        else:
            assert (type_, file, line) in found, (type_, file, line, sorted(found))
    assert result.verdict == verdict, [(a.type, a.file, a.line, a.action) for a in result.alerts]


# 2024-2026 shapes not caught yet (issue 11): the verdict they must reach. Strict xfail, so the
# test turns red the day the gap closes and the entry moves to INCIDENTS.
GAPS: dict[str, str] = {}


@pytest.mark.parametrize("name", sorted(GAPS))
@pytest.mark.xfail(strict=True, reason="issue 11: 2024-2026 shape not caught yet")
def test_known_gap(name: str) -> None:
    assert analyze(name, "incidents").verdict == GAPS[name]


@pytest.mark.parametrize("name", sorted(LOOKALIKES))
def test_benign_lookalike_is_not_blocked(name: str) -> None:
    result = analyze(name, "lookalikes")
    assert result.verdict == LOOKALIKES[name], [(a.type, a.file, a.line) for a in result.alerts]
    assert not {a.type for a in result.alerts} & THREATS


def test_incident_reads_the_same_from_a_tarball(tmp_path: Path) -> None:
    """The registry path analyses .tgz files: the same package packed gives the same alerts."""
    source = FIXTURES / "incidents" / "npm-eslint-scope"
    tgz = tmp_path / "eslint-scope-3.7.2.tgz"
    with tarfile.open(tgz, "w:gz") as archive:
        archive.add(source, arcname="package")
    packed, unpacked = analyze_artifact(tgz), analyze("npm-eslint-scope", "incidents")
    assert packed.verdict == unpacked.verdict == "block"
    assert present(packed) == present(unpacked)
    assert (packed.ref.name, packed.ref.version) == ("eslint-scope", "3.7.2")
