"""npm manifest analysis: each rule fires on its fixture and stays quiet on a look-alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from depshield.analyzers import shell
from depshield.ecosystems.base import ManifestAnalysis
from depshield.ecosystems.npm import manifest
from depshield.ecosystems.npm.dependencies import classify
from depshield.ecosystems.npm.package_json import key_lines
from depshield.model import Finding, Override

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "manifests" / "npm"


def read(case: str, *paths: str) -> ManifestAnalysis:
    data = (FIXTURES / f"{case}.json").read_bytes()
    return manifest.read_manifest({"package.json": data}, ["package.json", *paths])


def of_type(result: ManifestAnalysis, kind: str) -> list[Finding]:
    return [f for f in result.findings if f.type == kind]


def where(findings: list[Finding]) -> list[tuple[str, int]]:
    return [(f.file, f.line) for f in findings]


def test_keeps_only_the_root_manifest_and_shrinkwrap() -> None:
    assert manifest.keeps("package.json")
    assert manifest.keeps("npm-shrinkwrap.json")
    assert not manifest.keeps("node_modules/dep/package.json")
    assert not manifest.keeps("lib/index.js")
    assert not manifest.keeps("package-lock.json")


# --- install scripts -------------------------------------------------------------------------


def test_postinstall_running_a_file_fires_at_its_line_and_names_the_entry() -> None:
    result = read("postinstall-node-script", "install.js", "test.js", "index.js")
    found = of_type(result, "installScripts")
    assert where(found) == [("package.json", 7)]
    assert found[0].props == {"script": "postinstall", "source": "node install.js"}
    assert result.install_entries == ("install.js",)
    assert result.extra["install_scripts"] == {"postinstall": "node install.js"}


def test_scripts_that_do_not_run_at_install_do_not_fire() -> None:
    result = read("lifecycle-lookalikes", "build.js", "install.js", "cleanup.js")
    assert of_type(result, "installScripts") == []
    assert result.install_entries == ()


def test_install_script_calling_other_scripts_follows_them_to_their_files() -> None:
    paths = ("scripts/check.js", "scripts/fetch.sh", "scripts/unrelated.js", "lib/main.js")
    result = read("install-script-chain", *paths)
    assert where(of_type(result, "installScripts")) == [("package.json", 5)]
    # `node .` runs the package's main; presetup runs before setup; "unrelated" never runs.
    assert set(result.install_entries) == {"scripts/check.js", "lib/main.js", "scripts/fetch.sh"}
    assert set(result.extra["install_scripts"]) == {"preinstall", "presetup", "setup"}


def test_missing_install_file_is_reported_not_entered() -> None:
    result = read("postinstall-node-script", "index.js")
    assert result.install_entries == ()
    assert result.extra["missing_install_entries"] == ("install.js",)


def test_hidden_install_file_shipped_without_its_dot_is_the_entry() -> None:
    result = read("preinstall-hidden-script", ".probe.js", "probe.js", "src/agent.js")
    assert result.install_entries == (".probe.js", "src/agent.js")
    twin = read("preinstall-hidden-script", "probe.js", "src/agent.js", "index.js")
    # Re-packed archives drop the dot; the daemonised agent (`forever start`) runs too.
    assert twin.install_entries == ("probe.js", "src/agent.js")
    assert twin.extra["missing_install_entries"] == ()
    neither = read("preinstall-hidden-script", "lib/probe.js", "index.js")
    assert neither.extra["missing_install_entries"] == (".probe.js", "src/agent.js")


def test_dependency_on_a_package_shipped_inside_warns() -> None:
    result = read(
        "shipped-local-dependency", "vendor/react/package.json", "vendor/react/install.sh"
    )
    found = {f.props["dependency"]: f for f in of_type(result, "fileDependency")}
    assert where([found["react"]]) == [("package.json", 5)]
    assert found["react"].override == Override("high", "warn")
    # A folder that is not shipped, or one outside the package, stays a plain local spec.
    assert found["helper"].override is None and found["outside"].override is None
    plain = read("remote-dependencies")
    assert all(f.override is None for f in of_type(plain, "fileDependency"))


def test_install_scripts_go_through_the_shell_analyzer_at_their_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, str, int, bool]] = []

    def fake(text: str, file: str, line_offset: int = 0, top_level: bool = True) -> list[Finding]:
        calls.append((text, file, line_offset, top_level))
        return [Finding("signal:spawn", file, line_offset + 1, text, {"command": "node"})]

    monkeypatch.setattr(shell, "analyze_shell", fake)
    result = read("postinstall-node-script", "install.js")
    assert calls == [("node install.js", "package.json", 6, True)]
    assert where(of_type(result, "signal:spawn")) == [("package.json", 7)]


def test_entry_file_without_extension_resolves_like_node() -> None:
    result = read("install-script-chain", "scripts/check/index.js", "lib/main.js")
    assert "scripts/check/index.js" in result.install_entries


def test_binding_gyp_without_install_script_is_an_implicit_install_script() -> None:
    result = read("native-addon", "binding.gyp", "index.js", "src/addon.cc")
    found = of_type(result, "installScripts")
    assert where(found) == [("binding.gyp", 0)]
    assert found[0].props == {"script": "install", "source": "implicit node-gyp rebuild"}


def test_binding_gyp_with_gypfile_false_or_absent_does_not_fire() -> None:
    assert of_type(read("native-addon-opted-out", "binding.gyp"), "installScripts") == []
    assert of_type(read("native-addon", "index.js", "src/addon.cc"), "installScripts") == []


# --- invalid manifest and version -----------------------------------------------------------


def test_manifest_that_does_not_parse_fires_at_the_error_line() -> None:
    result = read("not-json")
    assert [(f.type, f.file, f.line) for f in result.findings] == [
        ("invalidPackageJSON", "package.json", 3)
    ]
    assert result.name is None and result.version is None


def test_manifest_that_is_not_an_object_fires() -> None:
    found = of_type(read("array-root"), "invalidPackageJSON")
    assert where(found) == [("package.json", 1)]
    assert "array" in found[0].props["reason"]


def test_missing_manifest_fires() -> None:
    result = manifest.read_manifest({}, ["index.js"])
    assert [f.type for f in result.findings] == ["invalidPackageJSON"]


def test_name_and_version_of_wrong_types_fire_at_their_keys() -> None:
    result = read("wrong-types")
    assert where(of_type(result, "invalidPackageJSON")) == [
        ("package.json", 2),
        ("package.json", 3),
    ]
    assert result.name is None and result.version is None


def test_private_app_without_name_or_version_is_valid() -> None:
    assert of_type(read("private-app"), "invalidPackageJSON") == []


def test_version_that_is_not_semver_fires_bad_semver() -> None:
    found = of_type(read("version-not-semver"), "badSemver")
    assert where(found) == [("package.json", 3)]
    assert of_type(read("postinstall-node-script"), "badSemver") == []


def test_byte_order_mark_is_tolerated_like_npm_does() -> None:
    data = b"\xef\xbb\xbf" + (FIXTURES / "native-addon.json").read_bytes()
    result = manifest.read_manifest({"package.json": data}, ["package.json"])
    assert result.name == "native-addon"
    assert of_type(result, "invalidPackageJSON") == []


# --- bins ------------------------------------------------------------------------------------


def test_bin_named_like_a_system_command_fires_shell_script_override() -> None:
    result = read("bin-named-ls", "cli.js")
    found = of_type(result, "shellScriptOverride")
    assert where(found) == [("package.json", 6)]
    assert found[0].props == {"bin": "ls", "target": "cli.js"}
    assert result.extra["bin_entries"] == ("cli.js",)


def test_bin_named_after_the_package_does_not_fire() -> None:
    result = read("bin-own-name", "bin/mytool.js")
    assert of_type(result, "shellScriptOverride") == []
    assert result.extra["bin"] == {"mytool": "./bin/mytool.js"}
    assert result.extra["bin_entries"] == ("bin/mytool.js",)


def test_string_bin_takes_the_unscoped_package_name() -> None:
    found = of_type(read("bin-string-shadows-git", "bin/git.js"), "shellScriptOverride")
    assert where(found) == [("package.json", 4)]
    assert found[0].props == {"bin": "git", "target": "./bin/git.js"}


def test_the_tool_itself_may_provide_its_command() -> None:
    result = read("bin-npm-itself", "bin/npm-cli.js", "bin/npx-cli.js")
    assert of_type(result, "shellScriptOverride") == []


def test_directories_bin_links_every_file_in_it() -> None:
    result = read("bin-directory", "bin/bin-directory.js", "bin/curl")
    found = of_type(result, "shellScriptOverride")
    assert where(found) == [("package.json", 5)]
    assert found[0].props == {"bin": "curl", "target": "bin/curl"}


def test_bin_escaping_the_package_fires_bin_script_confusion() -> None:
    result = read("bin-escapes-package", "cli.js")
    found = of_type(result, "binScriptConfusion")
    assert where(found) == [("package.json", 5), ("package.json", 6)]
    assert found[0].props["reason"] == "bin target is outside the package"
    assert found[1].props["reason"] == "bin name is a path"
    assert found[1].props["bin"] == "../../.bashrc"


def test_bins_inside_the_package_do_not_fire_confusion() -> None:
    assert of_type(read("bin-named-ls", "cli.js"), "binScriptConfusion") == []
    assert of_type(read("bin-own-name", "bin/mytool.js"), "binScriptConfusion") == []


# --- dependencies ----------------------------------------------------------------------------


def test_dependencies_outside_the_registry_fire_at_their_keys() -> None:
    result = read("remote-dependencies")
    fired = {
        f.props["dependency"]: (f.type, f.line) for f in result.findings if "dependency" in f.props
    }
    assert fired == {
        "from-git": ("gitDependency", 5),
        "from-github": ("gitHubDependency", 6),
        "from-shorthand": ("gitHubDependency", 7),
        "from-tarball": ("httpDependency", 8),
        "from-disk": ("fileDependency", 9),
        "any-version": ("floatingDependency", 10),
        "bad-range": ("badSemverDependency", 11),
        "opt-latest": ("floatingDependency", 14),
        "peer-link": ("fileDependency", 17),
    }
    github = next(f for f in result.findings if f.props.get("dependency") == "from-github")
    assert github.file == "package.json"
    assert github.props["spec"] == "github:someone/repo"


def test_dev_dependencies_do_not_install_for_consumers() -> None:
    result = read("remote-dependencies")
    assert not [f for f in result.findings if f.props.get("dependency", "").startswith("dev-")]
    assert result.extra["devDependencies"]["dev-github"] == "github:someone/dev-tool"


def test_registry_ranges_fire_nothing() -> None:
    result = read("registry-dependencies")
    assert [f for f in result.findings if "dependency" in f.props] == []
    assert result.extra["dependencies"]["caret"] == "^1.2.3"


@pytest.mark.parametrize(
    ("spec", "kind"),
    [
        ("^1.2.3", None),
        ("npm:other@~2.1.0", None),
        ("next", "floatingDependency"),
        ("x.x", "floatingDependency"),
        ("", "floatingDependency"),
        ("git://git.example.invalid/r.git", "gitDependency"),
        ("git@git.example.invalid:team/r.git", "gitDependency"),
        ("gitlab:team/r", "gitDependency"),
        ("git+https://github.com/someone/r.git", "gitHubDependency"),
        ("git@github.com:someone/r.git", "gitHubDependency"),
        ("http://files.example.invalid/a.tgz", "httpDependency"),
        ("https://[broken", "httpDependency"),  # urlsplit raises on it; never a traceback
        ("./vendor/a", "fileDependency"),
        ("vendor/a.tgz", "gitHubDependency"),  # npm reads `a/b` as a GitHub shorthand
        ("a.tgz", "fileDependency"),
        ("vendor/nested/a", "fileDependency"),
        ("workspace:^", "badSemverDependency"),
        ("^^1", "badSemverDependency"),
        ("v2.0.0.1", "badSemverDependency"),
    ],
)
def test_spec_classification_follows_npm_package_arg(spec: str, kind: str | None) -> None:
    verdict = classify(spec)
    assert (verdict[0] if verdict else None) == kind


# --- entries -------------------------------------------------------------------------------


def test_import_entries_cover_main_module_browser_and_exports() -> None:
    paths = (
        "lib/main.js",
        "esm/index.mjs",
        "esm/browser.mjs",
        "dist/browser.js",
        "lib/feature.js",
        "lib/feature-fallback.js",
        "lib/plugins/a.js",
        "lib/plugins/deep/b.js",
        "lib/plugins/readme.md",
        "lib/private/x.js",
        "types/index.d.ts",
        "bin/cli.js",
    )
    result = read("entry-points", *paths)
    assert result.import_entries == (
        "lib/main.js",
        "esm/index.mjs",
        "dist/browser.js",
        "esm/browser.mjs",
        "lib/feature.js",
        "lib/feature-fallback.js",
        "lib/plugins/a.js",
        "lib/plugins/deep/b.js",
    )
    # bins run only when called: they are not import entries.
    assert result.extra["bin_entries"] == ("bin/cli.js",)


def test_main_defaults_to_index_js() -> None:
    assert read("native-addon", "index.js").import_entries == ("index.js",)
    assert read("native-addon-opted-out", "lib/x.js").import_entries == ()


# --- hygiene and license ---------------------------------------------------------------------

HYGIENE = {"noREADME", "noTests", "noRepository", "noWebsite", "noBugTracker", "noAuthorData"}


def test_bare_package_misses_every_piece_of_hygiene() -> None:
    result = read("hygiene-bare", "index.js", "npm-shrinkwrap.json")
    found = [f for f in result.findings if f.type in HYGIENE]
    assert {f.type for f in found} == HYGIENE
    assert {(f.file, f.line) for f in found} == {("package.json", 0)}
    assert where(of_type(result, "shrinkwrap")) == [("npm-shrinkwrap.json", 0)]
    assert result.license is None


def test_complete_package_has_no_hygiene_findings() -> None:
    result = read("hygiene-complete", "README.md", "index.js")
    assert [f.type for f in result.findings] == []
    assert result.license == "Apache-2.0"


def test_github_repository_implies_website_and_bug_tracker() -> None:
    result = read("hygiene-github-repository", "readme.markdown", "test/index.js")
    assert [f.type for f in result.findings] == []
    assert result.license == "MIT OR Apache-2.0"


def test_test_files_count_as_tests() -> None:
    result = read("hygiene-bare", "src/parse.spec.ts")
    assert of_type(result, "noTests") == []
    deps_only = read("hygiene-bare", "node_modules/x/test/a.js")
    assert len(of_type(deps_only, "noTests")) == 1


# --- properties ------------------------------------------------------------------------------

_JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
_JSON = st.recursive(
    _JSON_LEAF,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=6), _JSON, max_size=6))
def test_key_lines_point_at_each_key_of_indented_json(data: dict[str, object]) -> None:
    text = json.dumps(data, indent=2)
    lines = key_lines(text)
    for key in data:
        line = text.splitlines()[lines[(key,)] - 1]
        assert line.startswith(f"  {json.dumps(key)}: ")


@given(st.binary(max_size=200) | _JSON.map(lambda v: json.dumps(v).encode()))
def test_any_bytes_give_a_result_not_a_traceback(raw: bytes) -> None:
    result = manifest.read_manifest({"package.json": raw}, ["package.json", "index.js"])
    assert isinstance(result, ManifestAnalysis)


def test_prepare_is_reported_low_since_registry_installs_never_run_it() -> None:
    raw = (
        b'{\n  "name": "p",\n  "version": "1.0.0",\n  "scripts": {"prepare": "node build.js"}\n}\n'
    )
    result = manifest.read_manifest({"package.json": raw}, ["package.json", "build.js"])
    found = of_type(result, "installScripts")
    assert where(found) == [("package.json", 4)]
    assert found[0].props["script"] == "prepare"
    assert found[0].override == Override("low", "monitor")
    assert "severity" not in found[0].props and "action" not in found[0].props
    assert result.install_entries == ()  # build.js is not install-time code for registry installs


def tarball_dependency(spec: str, **manifest_keys: object) -> Finding:
    from depshield.ecosystems.npm.dependencies import dependency_findings
    from depshield.ecosystems.npm.package_json import PackageJson, load

    data = {"name": "sheets", "version": "1.0.0", **manifest_keys, "dependencies": {"xlsx": spec}}
    pkg = load(json.dumps(data, indent=2).encode())
    assert isinstance(pkg, PackageJson)
    (found,) = dependency_findings(pkg)
    assert (found.type, found.file, found.line) == (
        "httpDependency",
        "package.json",
        5 + len(manifest_keys),
    )
    return found


@pytest.mark.parametrize(
    ("spec", "keys"),
    [
        ("https://cdn.sheets.invalid/xlsx-0.20.2/xlsx-0.20.2.tgz", {}),  # pinned release
        ("https://cdn.sheets.invalid/dist/latest.tgz", {"homepage": "https://sheets.invalid"}),
    ],
)
def test_https_release_tarball_dependency_is_monitor(spec: str, keys: dict[str, str]) -> None:
    found = tarball_dependency(spec, **keys)
    assert found.override == Override("middle", "monitor")


@pytest.mark.parametrize(
    ("spec", "keys"),
    [
        ("http://cdn.sheets.invalid/xlsx-0.20.2/xlsx-0.20.2.tgz", {}),  # plain http
        ("https://files.other.invalid/dist/latest.tgz", {"homepage": "https://sheets.invalid"}),
        ("https://cdn.sheets.invalid/other-0.20.2.tgz", {}),  # names another package
        ("https://gitlab.com/x/y/-/raw/main/latest.tgz", {"repository": "gitlab:x/y"}),
    ],
)
def test_other_tarball_dependencies_keep_the_warning(spec: str, keys: dict[str, str]) -> None:
    found = tarball_dependency(spec, **keys)
    assert found.override is None
