"""The table of known-bad string patterns that scan_literal looks for in every literal."""

from __future__ import annotations

import re
from dataclasses import dataclass

from depshield.analyzers.base import SIGNAL_SINK, SIGNAL_SOURCE


@dataclass(frozen=True, slots=True)
class Pattern:
    """One known-bad pattern. `keywords` are lower-case substrings, one of which must occur in
    the lower-cased literal before the (slower) regex runs; `signal` and `kind` say which
    correlation signal a match also emits (None: only suspiciousString)."""

    name: str
    keywords: tuple[str, ...]
    regex: re.Pattern[str]
    signal: str | None = None
    kind: str | None = None


def _p(
    name: str,
    keywords: tuple[str, ...],
    regex: str,
    signal: str | None = None,
    kind: str | None = None,
    flags: int = re.IGNORECASE,
) -> Pattern:
    return Pattern(name, keywords, re.compile(regex, flags), signal, kind)


# A path component boundary: start of the literal, a separator, `~` or `$HOME`/`%USERPROFILE%`.
# Requiring it keeps prose ("configure your .npmrc file") from firing: a literal that *is* the
# path (`".npmrc"`, `"~/.npmrc"`, `path.join(home, ".ssh")`) is what stealers contain.
_B = r"(?:^|[/\\~]|\$home|%userprofile%)"
_END = r"(?=$|[/\\\s\"'`,;)])"
_HOSTEND = r"(?![\w-])"
# Subdomain labels, anchored at the start of the host name: unanchored, a search would retry
# from every label of a long dotted run ("a.a.a...") and take quadratic time.
_LABELS = r"(?<![\w.-])(?:[\w-]+\.)*"
# Webhook and OAST matches keep the scheme so the sink's detail is the URL as written.
_SCHEME = r"(?:(?:https?|wss?)://)?"

_SINK_WEBHOOK = (SIGNAL_SINK, "webhook")
_SENSITIVE = (SIGNAL_SOURCE, "sensitive-file")
_CRED_STORE = (SIGNAL_SOURCE, "credential-store")

PATTERNS: tuple[Pattern, ...] = (
    # Exfiltration endpoints: chat webhooks need no server of the attacker's own.
    _p(
        "discord-webhook",
        ("/api/webhooks",),
        _SCHEME + r"(?:[\w-]+\.)?discord(?:app)?\.com/api/webhooks[^\s\"'<>`]*",
        *_SINK_WEBHOOK,
    ),
    _p(
        "telegram-bot",
        ("api.telegram.org",),
        _SCHEME + r"api\.telegram\.org/bot[^\s\"'<>`]*",
        *_SINK_WEBHOOK,
    ),
    # Out-of-band testing / request capture services: dependency-confusion probes report here.
    _p(
        "oast-host",
        (
            "burpcollaborator",
            "oastify",
            "interact.sh",
            "oast.",
            "canarytokens",
            "pipedream.net",
            "requestbin",
            "webhook.site",
            "beeceptor",
            "dnslog",
            "ceye.io",
            "interactsh",
        ),
        _SCHEME + _LABELS + r"(?:burpcollaborator\.net|oastify\.com|[\w-]+\.interact\.sh|"
        r"oast\.(?:pro|live|site|online|fun|me)|canarytokens\.(?:com|org)|"
        r"[\w-]+\.m\.pipedream\.net|pipedream\.net|requestbin\.(?:com|net|io)|webhook\.site|"
        r"[\w-]+\.beeceptor\.com|dnslog\.(?:cn|link|pw)|ceye\.io|interactsh\.com)" + _HOSTEND,
        *_SINK_WEBHOOK,
    ),
    # Tunnels expose a laptop as a public host: common for C2, but also in legit dev tools, so
    # they raise suspiciousString only, no sink signal.
    _p(
        "tunnel-host",
        ("ngrok", "loca.lt", "serveo", "trycloudflare", "localhost.run"),
        _LABELS + r"(?:ngrok(?:-free)?\.(?:io|app|dev)|loca\.lt|serveo\.net|"
        r"trycloudflare\.com|localhost\.run)" + _HOSTEND,
    ),
    _p(
        "paste-site",
        (
            "pastebin",
            "hastebin",
            "paste.",
            "ghostbin",
            "rentry",
            "termbin",
            "dpaste",
            "controlc",
            "ix.io",
            "transfer.sh",
            "0x0.st",
            "pastie",
        ),
        r"(?<![\w.-])(?:pastebin\.com|hastebin\.com|paste\.ee|paste\.rs|ghostbin\.(?:co|com)|"
        r"rentry\.(?:co|org)|termbin\.com|dpaste\.(?:com|org)|controlc\.com|ix\.io|"
        r"transfer\.sh|0x0\.st|pastie\.org)" + _HOSTEND,
    ),
    # Download piped into an interpreter, the one-liner form of remote code execution.
    _p(
        "pipe-to-shell",
        ("curl", "wget"),
        r"\b(?:curl|wget)\b[^|;&\n]{0,300}\|\s*(?:sudo\s+)?"
        r"(?:(?:ba|z|da|k)?sh|python[23]?|node|perl|ruby)\b",
    ),
    _p(
        "powershell-download-exec",
        ("iex", "invoke-expression"),
        r"(?:\b(?:iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring)\b[^|\n]{0,300}"
        r"\|\s*(?:iex|invoke-expression)\b|\b(?:iex|invoke-expression)\s*\(?\s*\(?\s*"
        r"(?:new-object\s+net\.webclient\)?\.downloadstring|iwr|irm|invoke-webrequest))",
    ),
    _p(
        "powershell-encoded",
        ("powershell", "pwsh"),
        r"\b(?:powershell|pwsh)(?:\.exe)?\b[^\n]{0,200}?\s-e(?:nc(?:odedcommand)?)?\s+"
        r"[A-Za-z0-9+/=]{16,}",
    ),
    # Credential files: what a token stealer opens (eslint-scope, torchtriton, Shai-Hulud).
    _p("npmrc", (".npmrc",), _B + r"\.npmrc" + _END, *_SENSITIVE),
    _p("pypirc", (".pypirc",), _B + r"\.pypirc" + _END, *_SENSITIVE),
    # ~/.ssh itself or a private key; known_hosts and *.pub hold public data that ssh client
    # libraries legitimately read, so they do not count.
    _p(
        "ssh-dir",
        (".ssh",),
        _B + r"\.ssh(?:$|[/\\](?!known_hosts)(?![^\s\"']{0,200}\.pub\b))",
        *_SENSITIVE,
    ),
    _p("ssh-key", ("id_",), r"(?:^|[/\\])id_(?:rsa|dsa|ecdsa|ed25519)(?![\w.])", *_SENSITIVE),
    _p(
        "cloud-credentials",
        (".aws", "gcloud", ".azure", ".kube", ".docker"),
        r"\.aws[/\\](?:credentials|config)|" + _B + r"\.aws$|\.config[/\\]gcloud|"
        r"application_default_credentials\.json|\.azure[/\\]|\.kube[/\\]config|"
        r"\.docker[/\\]config\.json",
        *_SENSITIVE,
    ),
    _p("etc-passwd", ("/etc/",), r"/etc/(?:passwd|shadow)\b", *_SENSITIVE),
    _p(
        "git-credentials",
        (".git-credentials", "netrc"),
        _B + r"(?:\.git-credentials|[._]netrc)" + _END,
        *_SENSITIVE,
    ),
    _p("shell-history", ("_history",), _B + r"\.(?:bash|zsh|sh)_history" + _END, *_SENSITIVE),
    # Browser profiles. "Cookies" and "User Data" are ordinary words, so only path forms count;
    # "Login Data" / "Local State" are specific enough to count as whole literals.
    _p(
        "browser-profile",
        (
            "login data",
            "local state",
            "cookies",
            "web data",
            "user data",
            "firefox",
            "logins.json",
            "key4.db",
            "cookies.sqlite",
        ),
        r"^(?:Login Data|Local State|Web Data|logins\.json|key4\.db|cookies\.sqlite)$|"
        r"[/\\](?:Login Data|Local State|Cookies|Web Data|User Data)(?=$|[/\\\"'])|"
        r"(?:Chrome|Chromium|Brave-Browser|Edge|Opera[^/\\]{0,40}|Yandex[^/\\]{0,40})"
        r"[/\\]User Data|"
        r"Firefox[/\\]Profiles",
        *_CRED_STORE,
        flags=0,
    ),  # case matters: "/cookies" is a route
    _p("browser-leveldb", ("leveldb",), r"Local Storage[/\\]leveldb", *_CRED_STORE),
    _p(
        "discord-token-store",
        ("discord",),
        r"discord(?:canary|ptb|development)?[/\\](?:Local Storage|leveldb)",
        *_CRED_STORE,
    ),
    # The token regex stealers scan leveldb files with: [\w-]{24}\.[\w-]{6}\.[\w-]{27}.
    _p(
        "discord-token-regex",
        ("{27}", "mfa"),
        r"\{24\}.{0,16}\{6\}.{0,16}\{27\}|mfa\\\.\[\\w-\]\{84\}",
        *_CRED_STORE,
    ),
    _p(
        "crypto-wallet",
        (
            "exodus",
            "electrum",
            "nkbihfbeogaeaoehlefnkodbefgpgknn",
            "keystore",
            "solana",
            "wallet.dat",
            "bfnaelmomeimhlpmgjnjophhpkkoljpa",
            "hnfanknocfeofbddgcijnmhnfnkdnaad",
            "atomic",
        ),
        r"exodus(?:[/\\]exodus)?\.wallet|electrum[/\\]wallets|"
        r"nkbihfbeogaeaoehlefnkodbefgpgknn|bfnaelmomeimhlpmgjnjophhpkkoljpa|"
        r"hnfanknocfeofbddgcijnmhnfnkdnaad|\.ethereum[/\\]keystore|solana[/\\]id\.json|"
        r"(?:^|[/\\])wallet\.dat$|atomic[/\\]Local Storage",
        *_CRED_STORE,
    ),
)
