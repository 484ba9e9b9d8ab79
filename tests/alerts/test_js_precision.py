"""False positives in JavaScript fixed at their cause (issue 11): each benign look-alike keeps
its capability alerts and loses the threat, and the attack it resembles still fires (type,
file and line)."""

from __future__ import annotations

from pathlib import Path

from depshield.alerts.grading import THREATS
from depshield.api import analyze_artifact
from depshield.model import PackageResult

FIXTURES = Path(__file__).parent.parent / "fixtures" / "js-precision"


def analyze(name: str) -> PackageResult:
    return analyze_artifact(FIXTURES / name)


def found(result: PackageResult, type_: str) -> list[tuple[str | None, int | None, str]]:
    return [(a.file, a.line, a.action) for a in result.alerts if a.type == type_]


def threats(result: PackageResult) -> list[tuple[str, str | None, int | None]]:
    return [(a.type, a.file, a.line) for a in result.alerts if a.type in THREATS]


def test_code_a_file_compiles_from_its_own_text_is_not_remote_or_encoded() -> None:
    """A row parser / template compiler / `Function("")` probe beside a fetch and a decode."""
    result = analyze("npm-template-compiler")
    assert threats(result) == []
    assert ("lib/index.js", 4, "monitor") in found(result, "usesEval")
    assert ("lib/index.js", 11, "monitor") in found(result, "usesEval")
    assert ("lib/index.js", 40, "monitor") in found(result, "usesEval")
    assert ("lib/index.js", 44, "monitor") in found(result, "usesEval")
    assert ("lib/index.js", 24, "monitor") in found(result, "networkAccess")


def test_fetched_text_compiled_elsewhere_in_the_file_is_still_remote_code() -> None:
    result = analyze("npm-fetch-then-run")
    assert found(result, "remoteCodeDownload") == [("lib/index.js", 10, "warn")]


def test_decoded_blob_compiled_elsewhere_in_the_file_is_still_an_encoded_payload() -> None:
    result = analyze("npm-decode-then-run")
    assert found(result, "encodedPayloadExecution") == [("lib/index.js", 9, "warn")]


def test_browser_driver_reading_profile_metadata_and_its_local_daemon_is_no_threat() -> None:
    """`Local State` read for the last used profile, a socket to 127.0.0.1, a scoped module
    id ending in `/Cookies`, a WebSocket to the caller's URL."""
    result = analyze("npm-browser-driver")
    assert threats(result) == []
    assert ("lib/index.js", 10, "monitor") in found(result, "suspiciousString")
    assert ("lib/index.js", 15, "monitor") in found(result, "networkAccess")


def test_taking_the_cookie_key_from_local_state_and_sending_it_out_still_blocks() -> None:
    result = analyze("npm-profile-stealer")
    assert found(result, "credentialHarvesting") == [("lib/index.js", 8, "warn")]
    assert found(result, "dataExfiltration") == [("lib/index.js", 10, "error")]


def test_client_sending_to_its_callers_url_with_proxy_settings_is_not_exfiltration() -> None:
    result = analyze("npm-proxy-client")
    assert threats(result) == []
    assert ("lib/index.js", 10, "monitor") in found(result, "networkAccess")


def test_environment_posted_to_a_host_the_code_names_is_still_exfiltration() -> None:
    result = analyze("npm-env-report")
    assert found(result, "dataExfiltration") == [("lib/index.js", 3, "warn")]


def test_wasm_glue_fetching_its_own_module_beside_it_is_not_remote_code() -> None:
    result = analyze("npm-wasm-glue")
    assert threats(result) == []
    assert ("glue.js", 14, "monitor") in found(result, "usesEval")
    assert ("glue.js", 24, "monitor") in found(result, "networkAccess")


def test_wasm_glue_loading_its_module_from_a_remote_host_is_still_remote_code() -> None:
    result = analyze("npm-wasm-remote")
    assert found(result, "remoteCodeDownload") == [("glue.js", 14, "warn")]


def test_endless_loop_in_a_script_nothing_loads_is_only_monitored() -> None:
    result = analyze("npm-bench-script")
    assert found(result, "troll") == [("bench.js", 4, "monitor")]


def test_endless_loop_in_the_module_users_load_still_warns() -> None:
    result = analyze("npm-hang-on-load")
    assert found(result, "troll") == [("index.js", 6, "warn")]


def test_require_kept_from_the_bundler_is_not_obfuscated_but_a_spliced_one_is() -> None:
    """`eval("require")(file)` names its loader in plain text; `global["req" + "uire"]`
    assembles it to hide it (the firing line of the same fixture)."""
    result = analyze("npm-optional-require")
    assert found(result, "obfuscatedRequire") == [("index.js", 19, "warn")]
    assert ("index.js", 4, "monitor") in found(result, "usesEval")


def test_sibling_packages_and_bundler_assets_are_not_unresolved_requires() -> None:
    result = analyze("npm-scoped-sibling")
    assert found(result, "unresolvedRequire") == []
    assert result.verdict == "pass"


def test_a_missing_module_of_the_package_itself_is_still_unresolved() -> None:
    result = analyze("npm-missing-module")
    assert found(result, "unresolvedRequire") == [("index.js", None, "warn")]


def test_a_missing_load_the_file_handles_itself_is_only_monitored() -> None:
    """An optional WASI build loaded in a try/catch (line 5) and a coverage build an env var
    picks (line 11) are absent from the tarball; a load under try/finally (line 15) is not
    handled, so its absence still warns. A compiled declaration (`types/runtime.d.js`) names
    modules published only as `.d.ts`: its imports are types, not judged."""
    result = analyze("npm-optional-loads")
    missing = {
        a.evidence: (a.file, a.action) for a in result.alerts if a.type == "unresolvedRequire"
    }
    assert missing == {
        "./wasi.cjs": ("index.js", "monitor"),
        "./lib-cov/impl": ("index.js", "monitor"),
        "./extra": ("index.js", "warn"),
    }


def test_node_scheme_before_a_plain_module_name_is_not_an_obfuscated_require() -> None:
    """`import(`node:${cryptoName}`)` with `cryptoName = "crypto"` (line 4) names its module;
    `node:${hidden}` with `hidden = "child_" + "process"` (line 11) still splits the name."""
    result = analyze("npm-builtin-prefix")
    assert found(result, "obfuscatedRequire") == [("index.mjs", 11, "warn")]
    assert ("index.mjs", 11, "monitor") in found(result, "shellAccess")


def test_download_and_eval_far_apart_in_called_code_are_only_monitored() -> None:
    """A bundle's HTTP helper (line 3) and its module runner (line 67): nothing shows the
    one feeds the other (the fetch-then-run fixture, five lines apart, still warns)."""
    result = analyze("npm-bundle-loader")
    assert found(result, "remoteCodeDownload") == [("dist/index.js", 67, "monitor")]


def test_minified_bundle_with_download_and_eval_far_apart_on_its_line_is_monitored() -> None:
    """One minified line: the fetch helper at its start, a module runner ~7,900 bytes on."""
    result = analyze("npm-minified-bundle")
    assert found(result, "remoteCodeDownload") == [("dist/app.min.js", 1, "monitor")]


def test_minified_loader_storing_a_fetch_and_running_it_nearby_still_warns() -> None:
    result = analyze("npm-minified-loader")
    assert found(result, "remoteCodeDownload") == [("dist/app.min.js", 1, "warn")]


def test_a_request_written_entirely_as_literals_is_not_the_send_of_an_api_client() -> None:
    """An API client with the whole environment for settings that also downloads a fixed
    sample file: the literal GET carries nothing it read (elizaos' plugin-openai shape)."""
    result = analyze("npm-api-client-sample")
    assert threats(result) == []
    assert ("lib/index.js", 17, "monitor") in found(result, "networkAccess")  # still reported


def test_a_secret_put_into_a_request_to_a_fixed_host_is_still_exfiltration() -> None:
    result = analyze("npm-key-to-fixed-host")
    assert found(result, "dataExfiltration") == [("lib/index.js", 8, "warn")]


def test_schema_compiler_with_a_process_hook_and_a_function_type_check_is_no_threat() -> None:
    """ajv bundled beside a request helper and a base64 helper: the source it compiles passes
    through an optional `code.process` hook; `schema.instanceof(Function)` names a type."""
    result = analyze("npm-schema-compiler-hook")
    assert threats(result) == []
    assert found(result, "usesEval") == [("lib/index.js", 9, "monitor")]
    assert ("lib/index.js", 12, "monitor") in found(result, "networkAccess")


def test_a_decoded_blob_passed_through_a_hook_is_still_an_encoded_payload() -> None:
    result = analyze("npm-hook-fed-decoded")
    assert found(result, "encodedPayloadExecution") == [("lib/index.js", 6, "warn")]


def test_nc_port_check_on_the_callers_host_beside_a_diagnostics_screen_is_not_exfiltration() -> (
    None
):
    result = analyze("npm-port-check")
    assert threats(result) == []
    assert ("lib/index.js", 6, "monitor") in found(result, "shellAccess")


def test_the_environment_piped_to_a_host_named_on_the_nc_command_line_is_exfiltration() -> None:
    result = analyze("npm-nc-to-fixed-host")
    assert found(result, "dataExfiltration") == [("lib/index.js", 5, "warn")]


def test_install_licence_check_with_the_users_key_is_no_threat_at_warn() -> None:
    """A preinstall script posting the key the user set in ICONS_LICENSE_KEY to the vendor's
    licence server: reported, at monitor, with the variable named."""
    result = analyze("npm-licence-check")
    assert found(result, "dataExfiltration") == [("license-check.js", 6, "monitor")]
    alert = next(a for a in result.alerts if a.type == "dataExfiltration")
    assert alert.props["licenceKey"] == "ICONS_LICENSE_KEY"
    assert ("package.json", 6, "warn") in found(result, "installScripts")


def test_install_ping_to_a_fixed_host_without_a_licence_key_still_blocks() -> None:
    result = analyze("npm-install-ping")
    assert found(result, "dataExfiltration") == [("ping.js", 2, "error")]


def test_module_loader_running_the_url_its_caller_gives_is_monitored() -> None:
    """An AMD loader: an eval probe through a Trusted Types policy (`createScript("",
    "true")`), then the module URL it is asked for fetched and run."""
    result = analyze("npm-module-loader")
    assert threats(result) == [("remoteCodeDownload", "lib/loader.js", 13)]
    assert found(result, "remoteCodeDownload") == [("lib/loader.js", 13, "monitor")]
    assert ("lib/loader.js", 5, "monitor") in found(result, "usesEval")


def test_code_fetched_from_a_host_of_its_own_and_run_still_blocks() -> None:
    result = analyze("npm-fixed-loader")
    assert ("lib/loader.js", 3, "error") in found(result, "remoteCodeDownload")


def test_two_modules_of_a_minified_bundle_sharing_a_line_are_only_monitored() -> None:
    """A module table on one line: a fetch helper and a sandbox's `runInNewContext` ~150 bytes
    apart, in sibling module functions of a 7 KB bundle: the line is all they share (next's
    server runtime, ag-grid's template compiler beside an XHR in a vendor bundle)."""
    result = analyze("npm-minified-sandbox")
    assert found(result, "remoteCodeDownload") == [("dist/server.min.js", 1, "monitor")]
    assert ("dist/server.min.js", 1, "monitor") in found(result, "usesEval")
    assert result.verdict == "pass"


def test_a_minified_bundle_module_running_the_script_it_fetched_still_warns() -> None:
    """The same bundle shape, one module fetching a script and running the text in the same
    function (through an object the analyzer does not follow)."""
    result = analyze("npm-minified-fetch-run")
    assert found(result, "remoteCodeDownload") == [("dist/app.min.js", 1, "warn")]
    alert = next(a for a in result.alerts if a.type == "remoteCodeDownload")
    assert alert.props["apart"] is False


def test_an_env_listing_and_a_release_download_imported_side_by_side_are_no_exfiltration() -> None:
    """A dev server importing its config loader (`Object.keys(process.env)` to keep what the
    user's config set) and a certificate tool downloader: nothing passes between the two."""
    result = analyze("npm-env-diff-and-download")
    assert threats(result) == []
    assert ("lib/certs.js", 13, "monitor") in found(result, "networkAccess")
    assert ("lib/config.js", 9, "ignore") in found(result, "envVars")


def test_the_environment_handed_to_an_imported_sender_is_still_exfiltration() -> None:
    result = analyze("npm-env-to-sender")
    assert found(result, "dataExfiltration") == [("lib/send.js", 4, "warn")]
    alert = next(a for a in result.alerts if a.type == "dataExfiltration")
    assert alert.props["chain"][0].startswith("lib/index.js:6 ")


def test_the_environment_an_imported_collector_gathers_and_the_importer_sends_still_warns() -> None:
    result = analyze("npm-env-from-collector")
    assert found(result, "dataExfiltration") == [("lib/index.js", 7, "warn")]
    alert = next(a for a in result.alerts if a.type == "dataExfiltration")
    assert alert.props["chain"][0].startswith("lib/collect.js:4 ")
