"""PyPI manifest analysis: each rule fires on its fixture and stays quiet on a look-alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from depshield.ecosystems.base import ManifestAnalysis
from depshield.ecosystems.pypi import manifest
from depshield.ecosystems.pypi.requirements import classify
from depshield.model import Finding

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "manifests" / "pypi"


def read(case: str, *extra_paths: str) -> ManifestAnalysis:
    """Read the fixture folder as an artifact: its files, plus member paths that need no bytes."""
    root = FIXTURES / case
    members = {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}
    paths = [*members, *extra_paths]
    files = {path: members[path].read_bytes() for path in members if manifest.keeps(path)}
    return manifest.read_manifest(files, paths)


def of_type(result: ManifestAnalysis, kind: str) -> list[Finding]:
    return [f for f in result.findings if f.type == kind]


def where(findings: list[Finding]) -> list[tuple[str, int]]:
    return [(f.file, f.line) for f in findings]


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        ("PKG-INFO", True),
        ("pkg.egg-info/PKG-INFO", True),
        ("src/pkg.egg-info/requires.txt", True),
        ("pkg-1.0.dist-info/METADATA", True),
        ("pkg-1.0.dist-info/entry_points.txt", True),
        ("pkg-1.0.data/purelib/hook.pth", True),
        ("hook.pth", True),
        ("setup.cfg", True),
        ("pyproject.toml", True),
        ("pkg/hook.pth", False),
        ("pkg-1.0.dist-info/RECORD", False),
        ("pkg/__init__.py", False),
        ("setup.py", False),
        ("docs/pyproject.toml", False),
    ],
)
def test_keeps_only_metadata_files(path: str, kept: bool) -> None:
    assert manifest.keeps(path) is kept


# --- .pth files and install-time code -------------------------------------------------------


def test_pth_with_an_import_line_fires_install_scripts_at_that_line() -> None:
    result = read("wheel-pth-exec", "sitehook/__init__.py")
    found = of_type(result, "installScripts")
    assert where(found) == [("sitehook-init.pth", 2)]
    assert found[0].props["script"] == ".pth"
    assert found[0].props["source"].startswith("import os; os.system(")
    assert result.install_entries == ("sitehook-init.pth",)
    assert result.extra["kind"] == "wheel"


def test_pth_with_only_paths_does_not_fire() -> None:
    result = read("wheel-pth-paths-only", "pathy/__init__.py")
    assert of_type(result, "installScripts") == []
    assert result.install_entries == ()


def test_pth_in_wheel_purelib_data_lands_in_site_packages_and_fires() -> None:
    result = read("wheel-data-purelib-pth")
    found = of_type(result, "installScripts")
    assert where(found) == [("datahook-0.1.data/purelib/datahook.pth", 1)]
    assert result.install_entries == ("datahook-0.1.data/purelib/datahook.pth",)


def test_sdist_setup_py_is_an_install_entry() -> None:
    paths = ("setup.py", "plainpkg/__init__.py", "plainpkg/core.py")
    result = read("sdist-setup-py", *paths)
    assert result.install_entries == ("setup.py",)
    # setup.py's own analyzer reports what it does; the manifest raises nothing for it.
    assert of_type(result, "installScripts") == []


def test_wheel_never_runs_setup_py() -> None:
    result = read("wheel-pth-paths-only", "setup.py")
    assert result.install_entries == ()


def test_in_tree_build_backend_fires_and_is_an_install_entry() -> None:
    result = read("sdist-in-tree-backend", "_build/backend.py", "selfbuilt/__init__.py")
    found = of_type(result, "installScripts")
    assert where(found) == [("pyproject.toml", 7)]
    assert found[0].props == {"script": "build-backend", "source": "backend:build"}
    assert result.install_entries == ("_build/backend.py",)
    assert result.import_entries == ("selfbuilt/__init__.py",)


def test_installed_build_backend_does_not_fire() -> None:
    result = read("sdist-setuptools-backend", "hatch_build.py", "stdbuilt/__init__.py")
    assert of_type(result, "installScripts") == []
    assert result.install_entries == ()


def test_hatch_custom_build_hook_fires_and_is_an_install_entry() -> None:
    result = read("sdist-hatch-hook", "build_tools/hook.py", "hooked/__init__.py")
    found = of_type(result, "installScripts")
    assert where(found) == [("pyproject.toml", 9)]
    assert found[0].props == {"script": "hatch-build-hook", "source": "build_tools/hook.py"}
    assert result.install_entries == ("build_tools/hook.py",)


# --- commands -------------------------------------------------------------------------------


def test_console_script_named_pip_in_another_project_fires() -> None:
    result = read("wheel-console-script-pip")
    found = of_type(result, "shellScriptOverride")
    assert where(found) == [("notpip-1.0.dist-info/entry_points.txt", 3)]
    assert found[0].props == {"bin": "pip", "target": "notpip.cli:main"}
    # Only console and GUI scripts go on PATH; plugin groups may use any name.
    assert result.extra["scripts"] == {"notpip": "notpip.cli:main", "pip": "notpip.cli:main"}


def test_pip_may_provide_pip() -> None:
    assert of_type(read("wheel-pip-itself"), "shellScriptOverride") == []


def test_setup_cfg_entry_point_named_curl_fires_at_its_line() -> None:
    result = read("sdist-setup-cfg-entry-points", "cfgtool/__init__.py")
    found = of_type(result, "shellScriptOverride")
    assert where(found) == [("setup.cfg", 13)]
    assert found[0].props == {"bin": "curl", "target": "cfgtool.cli:fetch"}


def test_pyproject_script_named_ls_fires_at_its_line() -> None:
    found = of_type(read("sdist-pyproject-only"), "shellScriptOverride")
    assert where(found) == [("pyproject.toml", 23)]
    assert found[0].props["bin"] == "ls"


def test_wheel_data_script_named_like_a_command_fires() -> None:
    result = read(
        "wheel-pth-paths-only", "pathy-2.0.data/scripts/sudo", "pathy-2.0.data/scripts/pathy"
    )
    found = of_type(result, "shellScriptOverride")
    assert [f.props["bin"] for f in found] == ["sudo"]
    assert where(found) == [("pathy-2.0.data/scripts/sudo", 0)]


# --- requirements --------------------------------------------------------------------------


def test_requirements_with_urls_fire_at_their_header_line() -> None:
    result = read("wheel-url-requirements")
    fired = {
        f.props["dependency"]: (f.type, f.file, f.line) for f in result.findings
        if "dependency" in f.props
    }  # fmt: skip
    metadata = "urlreq-1.0.dist-info/METADATA"
    assert fired == {
        "from-http": ("httpDependency", metadata, 4),
        "from-git": ("gitDependency", metadata, 5),
        "from-github": ("gitHubDependency", metadata, 6),
        "from-disk": ("fileDependency", metadata, 7),
        "broken (>=1": ("badSemverDependency", metadata, 8),
    }
    assert len(result.extra["requires_dist"]) == 7


def test_index_requirements_fire_nothing() -> None:
    for spec in ("plain>=1.0", 'with-extra[fast]>=2; python_version < "3.12"', "six"):
        assert classify(spec) is None


def test_old_sdist_reads_requirements_from_requires_txt() -> None:
    found = of_type(read("sdist-requires-txt"), "gitDependency")
    assert where(found) == [("oldpkg.egg-info/requires.txt", 4)]
    assert found[0].props["dependency"] == "fastlib"


def test_build_requirements_with_urls_fire_in_pyproject() -> None:
    found = of_type(read("sdist-hatch-hook", "build_tools/hook.py"), "httpDependency")
    assert where(found) == [("pyproject.toml", 2)]
    assert found[0].props["section"] == "build-system"


# --- metadata -------------------------------------------------------------------------------


def test_wheel_without_metadata_is_invalid() -> None:
    result = manifest.read_manifest({}, ["mod-1.0.dist-info/RECORD", "mod/__init__.py"])
    found = of_type(result, "invalidPackageJSON")
    assert [f.props["reason"] for f in found] == ["no .dist-info/METADATA file"]
    assert result.name is None


def test_metadata_with_two_names_is_invalid() -> None:
    found = of_type(read("wheel-duplicate-name"), "invalidPackageJSON")
    assert where(found) == [("twin-1.0.dist-info/METADATA", 2)]
    assert "Name" in found[0].props["reason"]


def test_sdist_without_pkg_info_takes_static_pyproject_metadata() -> None:
    result = read("sdist-pyproject-only", "README.md", "sourceonly/__init__.py")
    assert (result.name, result.version) == ("sourceonly", "0.1.0")
    assert of_type(result, "invalidPackageJSON") == []
    assert where(of_type(result, "httpDependency")) == [("pyproject.toml", 14)]
    assert result.license == "Apache-2.0"


def test_source_tree_with_only_setup_py_is_not_invalid() -> None:
    result = manifest.read_manifest({}, ["setup.py", "pkg/__init__.py"])
    assert result.findings == ()
    assert result.install_entries == ("setup.py",)


def test_version_that_is_not_pep440_fires_bad_semver() -> None:
    found = of_type(read("wheel-bad-version"), "badSemver")
    assert where(found) == [("badver-1.0.dist-info/METADATA", 3)]
    assert of_type(read("wheel-pip-itself"), "badSemver") == []


# --- entries, hygiene, license -------------------------------------------------------------


def test_import_entries_are_library_modules_only() -> None:
    paths = (
        "setup.py",
        "conftest.py",
        "plainpkg/__init__.py",
        "plainpkg/core.py",
        "plainpkg/tests/test_core.py",
        "plainpkg/core_test.py",
        "tests/test_all.py",
        "docs/conf.py",
        "examples/demo.py",
        "benchmarks/bench.py",
        "plainpkg/data.json",
    )
    result = read("sdist-setup-py", *paths)
    assert result.import_entries == ("plainpkg/__init__.py", "plainpkg/core.py")


def test_maintainer_scripts_beside_the_package_are_not_modules() -> None:
    paths = (
        "plainpkg/__init__.py",
        "plainpkg/scripts/cli.py",
        "scripts/internal/install_pip.py",
        "tools/release.py",
        "dev/__init__.py",
        "dev/helpers.py",
    )
    result = read("sdist-setup-py", *paths)
    assert result.import_entries == (
        "dev/__init__.py",
        "dev/helpers.py",
        "plainpkg/__init__.py",
        "plainpkg/scripts/cli.py",
    )


def test_wheel_import_entries_include_purelib_but_not_metadata() -> None:
    paths = (
        "sitehook/__init__.py",
        "sitehook-1.0.dist-info/x.py",
        "sitehook-1.0.data/purelib/extra.py",
    )
    result = read("wheel-pth-exec", *paths)
    assert result.import_entries == ("sitehook-1.0.data/purelib/extra.py", "sitehook/__init__.py")


HYGIENE = {"noREADME", "noTests", "noRepository", "noWebsite", "noBugTracker", "noAuthorData"}


def test_bare_sdist_misses_every_piece_of_hygiene() -> None:
    result = read("sdist-in-tree-backend", "_build/backend.py")
    found = [f for f in result.findings if f.type in HYGIENE]
    assert {f.type for f in found} == HYGIENE
    assert {(f.file, f.line) for f in found} == {("PKG-INFO", 0)}


def test_complete_sdist_has_no_hygiene_findings() -> None:
    result = read("sdist-hygiene-complete", "tests/test_tidy.py", "tidy/__init__.py")
    assert [f.type for f in result.findings] == []
    assert result.license == "BSD-3-Clause"


def test_wheels_are_not_judged_on_tests() -> None:
    assert of_type(read("wheel-pth-exec"), "noTests") == []


def test_long_license_text_falls_back_to_the_classifier() -> None:
    result = read("sdist-license-text", "README.rst", "tests/test_x.py")
    assert result.license == "License :: OSI Approved :: MIT License"
    assert result.extra["license_classifiers"] == ["License :: OSI Approved :: MIT License"]
    # A GitHub source URL names a repository and implies an issue tracker.
    kinds = {f.type for f in result.findings}
    assert "noRepository" not in kinds and "noBugTracker" not in kinds
    assert "noWebsite" in kinds


@given(st.binary(max_size=300), st.sampled_from(["PKG-INFO", "pkg-1.0.dist-info/METADATA"]))
def test_any_metadata_bytes_give_a_result_not_a_traceback(raw: bytes, path: str) -> None:
    files = {path: raw, "pyproject.toml": raw, "setup.cfg": raw, "hook.pth": raw}
    result = manifest.read_manifest(files, [*files, "pkg/__init__.py"])
    assert isinstance(result, ManifestAnalysis)


def test_command_declared_in_two_files_is_reported_once() -> None:
    files = {
        "PKG-INFO": b"Metadata-Version: 2.1\nName: dup\nVersion: 1.0\n",
        "dup.egg-info/entry_points.txt": b"[console_scripts]\ncurl = dup:main\n",
        "setup.cfg": b"[options.entry_points]\nconsole_scripts =\n    curl = dup:main\n",
    }
    result = manifest.read_manifest(files, [*files, "setup.py"])
    found = of_type(result, "shellScriptOverride")
    assert where(found) == [("dup.egg-info/entry_points.txt", 2)]
