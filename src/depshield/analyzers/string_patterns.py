"""The table of known-bad string patterns that scan_literal looks for in every literal."""

from __future__ import annotations

import re
from dataclasses import dataclass

from depshield.analyzers.base import SIGNAL_SINK, SIGNAL_SOURCE
from depshield.lazyre import LazyPattern


@dataclass(frozen=True, slots=True)
class Pattern:
    """One known-bad pattern, tried in three steps from cheapest to dearest: the literal holds
    one of the characters in `needs` (skipped when empty), then one of the lower-case
    `keywords`, then `regex` matches. `signal`/`kind`: the correlation signal a match adds."""

    name: str
    needs: str
    keywords: tuple[str, ...]
    regex: LazyPattern
    signal: str | None = None
    kind: str | None = None
    unless: LazyPattern | None = None  # a literal this matches is something else


def _p(
    name: str,
    needs: str,
    keywords: str,
    regex: str,
    signal: str | None = None,
    kind: str | None = None,
    flags: int = re.IGNORECASE,
    unless: str | None = None,
) -> Pattern:
    """A Pattern; `keywords` are separated by "|"."""
    return Pattern(
        name,
        needs,
        tuple(keywords.split("|")),
        LazyPattern(regex, flags),
        signal,
        kind,
        LazyPattern(unless) if unless else None,
    )


# A scoped module id (`@effect/platform/Cookies`, a `Symbol.for` key) names code, not a file.
_MODULE_ID = r"^@[\w.-]+/[\w.-]+/"


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

# fmt: off
PATTERNS: tuple[Pattern, ...] = (
    # Exfiltration endpoints: chat webhooks need no server of the attacker's own.
    _p("discord-webhook", "/", "/api/webhooks",
       _SCHEME + r"(?:[\w-]+\.)?discord(?:app)?\.com/api/webhooks[^\s\"'<>`]*", *_SINK_WEBHOOK),
    _p("telegram-bot", "/", "api.telegram.org", _SCHEME + r"api\.telegram\.org/bot[^\s\"'<>`]*",
       *_SINK_WEBHOOK),
    # Out-of-band testing / request capture services: dependency-confusion probes report here.
    _p("oast-host", ".",
       "burpcollaborator|oastify|interact.sh|oast.|canarytokens|pipedream.net|requestbin|"
       "webhook.site|beeceptor|dnslog|ceye.io|interactsh",
       _SCHEME + _LABELS + r"(?:burpcollaborator\.net|oastify\.com|[\w-]+\.interact\.sh|"
       r"oast\.(?:pro|live|site|online|fun|me)|canarytokens\.(?:com|org)|"
       r"[\w-]+\.m\.pipedream\.net|pipedream\.net|requestbin\.(?:com|net|io)|webhook\.site|"
       r"[\w-]+\.beeceptor\.com|dnslog\.(?:cn|link|pw)|ceye\.io|interactsh\.com)" + _HOSTEND,
       *_SINK_WEBHOOK),
    # Tunnels expose a laptop as a public host: common for C2, but also in legit dev tools, so
    # they raise suspiciousString only, no sink signal.
    _p("tunnel-host", ".", "ngrok|loca.lt|serveo|trycloudflare|localhost.run",
       _LABELS + r"(?:ngrok(?:-free)?\.(?:io|app|dev)|loca\.lt|serveo\.net|"
       r"trycloudflare\.com|localhost\.run)" + _HOSTEND),
    _p("paste-site", ".",
       "pastebin|hastebin|paste.|ghostbin|rentry|termbin|dpaste|controlc|ix.io|transfer.sh|"
       "0x0.st|pastie",
       _LABELS + r"(?:pastebin\.com|hastebin\.com|paste\.(?:ee|rs|fo)|ghostbin\.(?:co|com)|"
       r"rentry\.(?:co|org)|termbin\.com|dpaste\.(?:com|org)|controlc\.com|ix\.io|"
       r"transfer\.sh|0x0\.st|pastie\.org)" + _HOSTEND),
    # "What is my IP" services: recon before exfiltration, and the geo check of protestware
    # (node-ipc). IP loggers exist only to record who ran something.
    _p("ip-lookup", ".",
       "ipify|ipinfo|ip-api|ifconfig.me|icanhazip|checkip|geolocation-db|ipapi|wtfismyip|"
       "myexternalip|grabify|iplogger",
       _LABELS + r"(?:api\d*\.ipify\.org|ipinfo\.io|ip-api\.com|ifconfig\.me|icanhazip\.com|"
       r"checkip\.amazonaws\.com|geolocation-db\.com|ipapi\.co|wtfismyip\.com|"
       r"myexternalip\.com|grabify\.link|iplogger\.(?:org|com|ru))" + _HOSTEND),
    # Token stealers validate what they took against the account endpoint before sending it.
    _p("discord-token-check", "/", "/users/@me",
       r"discord(?:app)?\.com/api/(?:v\d+/)?users/@me"),
    # Download piped into an interpreter, the one-liner form of remote code execution.
    _p("pipe-to-shell", "|", "curl|wget",
       r"\b(?:curl|wget)\b[^|;&\n]{0,300}\|\s*(?:sudo\s+)?"
       r"(?:(?:ba|z|da|k)?sh|python[23]?|node|perl|ruby)\b"),
    _p("powershell-download-exec", "|( \t", "iex|invoke-expression",
       r"(?:\b(?:iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring)\b[^|\n]{0,300}"
       r"\|\s*(?:iex|invoke-expression)\b|\b(?:iex|invoke-expression)\s*\(?\s*\(?\s*"
       r"(?:new-object\s+net\.webclient\)?\.downloadstring|iwr|irm|invoke-webrequest))"),
    _p("powershell-encoded", " \t", "powershell|pwsh",
       r"\b(?:powershell|pwsh)(?:\.exe)?\b[^\n]{0,200}?\s-e(?:nc(?:odedcommand)?)?\s+"
       r"[A-Za-z0-9+/=]{16,}"),
    # Credential files: what a token stealer opens (eslint-scope, torchtriton, Shai-Hulud).
    _p("npmrc", ".", ".npmrc", _B + r"\.npmrc" + _END, *_SENSITIVE),
    _p("pypirc", ".", ".pypirc", _B + r"\.pypirc" + _END, *_SENSITIVE),
    # ~/.ssh itself or a private key; known_hosts and *.pub hold public data that ssh client
    # libraries legitimately read, so they do not count.
    _p("ssh-dir", ".", ".ssh",
       _B + r"\.ssh(?:$|[/\\](?!known_hosts)(?![^\s\"']{0,200}\.pub\b))", *_SENSITIVE),
    _p("ssh-key", "_", "id_", r"(?:^|[/\\])id_(?:rsa|dsa|ecdsa|ed25519)(?![\w.])", *_SENSITIVE),
    # Secrets only: ~/.aws/config and other settings files are read by every cloud SDK.
    _p("cloud-credentials", "._", ".aws|gcloud|.azure|.kube|.docker|application_default",
       r"\.aws[/\\]credentials|" + _B + r"\.aws$|\.config[/\\]gcloud|"
       r"application_default_credentials\.json|\.azure[/\\]|\.kube[/\\]config|"
       r"\.docker[/\\]config\.json", *_SENSITIVE),
    _p("etc-passwd", "/", "/etc/", r"/etc/(?:passwd|shadow)\b", *_SENSITIVE),
    # ~/.netrc is left out: every HTTP client (requests, aiohttp, curl) reads it by design.
    _p("git-credentials", ".", ".git-credentials", _B + r"\.git-credentials" + _END,
       *_SENSITIVE),
    _p("shell-history", "_", "_history", _B + r"\.(?:bash|zsh|sh)_history" + _END,
       *_SENSITIVE),
    # Browser profiles. "Cookies" and "User Data" are ordinary words, so only path forms count;
    # "Login Data" / "Local State" are specific enough to count as whole literals. Case
    # matters: "/cookies" is a web route.
    _p("browser-profile", " ./\\",
       "login data|local state|cookies|web data|user data|firefox|logins.json|key4.db",
       r"^(?:Login Data|Local State|Web Data|logins\.json|key4\.db|cookies\.sqlite)$|"
       r"[/\\](?:Login Data|Local State|Cookies|Web Data|User Data)(?=$|[/\\\"'])|"
       r"(?:Chrome|Chromium|Brave-Browser|Edge|Opera[^/\\]{0,40}|Yandex[^/\\]{0,40})"
       r"[/\\]User Data|Firefox[/\\]Profiles", *_CRED_STORE, flags=0, unless=_MODULE_ID),
    _p("browser-leveldb", "/\\", "leveldb", r"Local Storage[/\\]leveldb", *_CRED_STORE),
    _p("discord-token-store", "/\\", "discord",
       r"discord(?:canary|ptb|development)?[/\\](?:Local Storage|leveldb)", *_CRED_STORE),
    # The token regex stealers scan leveldb files with: [\w-]{24}\.[\w-]{6}\.[\w-]{27}.
    _p("discord-token-regex", "{", "{27}|{84}",
       r"\{24\}.{0,16}\{6\}.{0,16}\{27\}|mfa\\\.\[\\w-\]\{84\}", *_CRED_STORE),
    _p("crypto-wallet", "./\\", "exodus|electrum|keystore|solana|wallet.dat|atomic",
       r"exodus(?:[/\\]exodus)?\.wallet|electrum[/\\]wallets|\.ethereum[/\\]keystore|"
       r"solana[/\\]id\.json|(?:^|[/\\])wallet\.dat$|atomic[/\\]Local Storage", *_CRED_STORE),
    # Browser-extension ids of wallets (MetaMask, Phantom, Coinbase): whole words, no gate.
    _p("crypto-wallet", "",
       "nkbihfbeogaeaoehlefnkodbefgpgknn|bfnaelmomeimhlpmgjnjophhpkkoljpa|"
       "hnfanknocfeofbddgcijnmhnfnkdnaad",
       r"nkbihfbeogaeaoehlefnkodbefgpgknn|bfnaelmomeimhlpmgjnjophhpkkoljpa|"
       r"hnfanknocfeofbddgcijnmhnfnkdnaad", *_CRED_STORE),
)
# fmt: on

# Every character some pattern needs: scan_literal tests each once per literal.
GATE_CHARS = "".join(sorted({c for p in PATTERNS for c in p.needs}))
