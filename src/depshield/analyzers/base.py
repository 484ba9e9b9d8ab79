"""The analyzer interface, the correlation signals analyzers emit, and the analyzer table."""

from __future__ import annotations

from typing import Protocol

from depshield.model import FileAnalysis

# Correlation signals: findings whose `type` is one of these are facts for the judge's threat
# layer (alerts/threats.py); they never appear as alerts themselves. Props say more.
SIGNAL_SOURCE = "signal:source"
"""Sensitive data read. props: kind in SOURCE_KINDS, detail (path, variable...)."""
SIGNAL_SINK = "signal:sink"
"""Data leaves the machine. props: kind in {"network", "dns", "webhook"}, detail."""
SIGNAL_DECODE = "signal:decode"
"""A blob is decoded or decrypted (base64, hex, zlib, marshal, createDecipher...). props: how."""
SIGNAL_EXEC = "signal:exec"
"""Code built at run time is executed (eval, Function, exec, module._compile). props: how."""
SIGNAL_SPAWN = "signal:spawn"
"""A process is started. props: command (literal text when known)."""
SIGNAL_DOWNLOAD = "signal:download"
"""Content is fetched from the network (http get, fetch, urlopen, curl/wget). props: detail."""
SIGNAL_WRITE = "signal:write"
"""A file is written. props: detail (path when literal)."""
SIGNAL_PACKAGE = "signal:package"
"""Another package is loaded by name (not a relative file, not a Node built-in). props: package."""

SIGNALS = frozenset(
    {
        SIGNAL_SOURCE,
        SIGNAL_SINK,
        SIGNAL_DECODE,
        SIGNAL_EXEC,
        SIGNAL_SPAWN,
        SIGNAL_DOWNLOAD,
        SIGNAL_WRITE,
        SIGNAL_PACKAGE,
    }
)

SOURCE_KINDS = frozenset(
    {
        "env-all",  # the whole environment: JSON.stringify(process.env), dict(os.environ)
        "secret-env",  # a token-looking variable: NPM_TOKEN, AWS_SECRET_ACCESS_KEY, GITHUB_TOKEN
        "hostname",  # os.hostname(), socket.gethostname(), platform.node()
        "userinfo",  # os.userInfo(), getpass.getuser(), os.getlogin()
        "sensitive-file",  # ~/.npmrc, ~/.ssh, /etc/passwd, .env, cloud credentials
        "credential-store",  # browser profiles, Discord tokens, crypto wallets
        "system-info",  # os.networkInterfaces(), cwd + platform bundles (recon)
    }
)


class Analyzer(Protocol):
    """One kind of file. `wants` is a cheap path test; `analyze` never raises on bad input:
    it returns a FileAnalysis with `skipped` set instead."""

    name: str
    version: str

    def wants(self, path: str) -> bool: ...

    def analyze(self, path: str, data: bytes) -> FileAnalysis: ...
