"""Capability alerts are not listed from a package's own tests (docs/output.md)."""

from __future__ import annotations

import pytest

from depshield.alerts.judge import judge
from depshield.alerts.test_paths import is_test_path
from depshield.ecosystems.base import ManifestAnalysis
from depshield.model import FileAnalysis, Finding, PackageRef
from depshield.policy import Policy

REF = PackageRef("npm", "demo", "1.0.0")


@pytest.mark.parametrize(
    "path",
    [
        "test/index.js",
        "tests/helpers.js",
        "src/__tests__/a.js",
        "__mocks__/fs.js",
        "lib/a.test.js",
        "lib/a.spec.ts",
        "pkg/test_io.py",
        "pkg/io_test.py",
        "conftest.py",
    ],
)
def test_test_files(path: str) -> None:
    assert is_test_path(path)


@pytest.mark.parametrize(
    "path", ["lib/attest.js", "testing.py", "src/contest/x.js", "lib/test-utils.js", "", "t.js"]
)
def test_look_alikes_are_not_test_files(path: str) -> None:
    assert not is_test_path(path)


def network(file: str, line: int) -> Finding:
    return Finding("networkAccess", file, line, "require('https')", {"module": "https"})


def js(path: str, *findings: Finding) -> FileAnalysis:
    return FileAnalysis(path, "javascript", tuple(findings), (), lines_of_code=40)


def test_capabilities_from_tests_are_dropped_and_counted_but_not_from_running_code() -> None:
    manifest = ManifestAnalysis("demo", "1.0.0", import_entries=("index.js",))
    files = [
        js("index.js", network("index.js", 3)),
        js("test/server.test.js", network("test/server.test.js", 5)),
        js("__tests__/a.js", network("__tests__/a.js", 7)),
    ]
    paths = [f.path for f in files] + ["package.json"]
    result = judge(REF, manifest, files, paths, [], policy=Policy())
    found = [(a.file, a.line) for a in result.alerts if a.type == "networkAccess"]
    assert found == [("index.js", 3)]
    assert "2 capability alerts in test files not listed (docs/output.md)" in result.notes


def test_a_test_file_that_runs_at_import_keeps_its_alerts() -> None:
    manifest = ManifestAnalysis("demo", "1.0.0", import_entries=("test/index.js",))
    files = [js("test/index.js", network("test/index.js", 2))]
    result = judge(REF, manifest, files, ["test/index.js", "package.json"], [], policy=Policy())
    assert [(a.file, a.line) for a in result.alerts if a.type == "networkAccess"] == [
        ("test/index.js", 2)
    ]
