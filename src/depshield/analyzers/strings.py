"""Classification of one string literal: entropy, length, URLs, known-bad patterns."""

from __future__ import annotations

import ipaddress
import math
import re
from collections import Counter
from functools import lru_cache
from urllib.parse import urlsplit

from depshield.analyzers.string_patterns import GATE_CHARS, PATTERNS
from depshield.model import Finding

# Below this nothing can match: the shortest patterns are ".ssh" and ".aws".
_MIN_LEN = 4
# 64 characters is the shortest blob worth flagging: shorter base64/hex is mostly ids,
# digests and keys of lookup tables. Hex needs more than 128 so SHA-256/SHA-512 hex digests,
# common constants in crypto code and lockfile-like data, stay quiet.
_ENTROPY_MIN_LEN = 64
_HEX_MIN_LEN = 129
# Random base64 of >= 64 characters measures 5.1-6.0 bits per character and base64 of ASCII
# text ~5.4; camelCase identifiers and paths stay near 4.0-4.3. Hex is at most 4 bits.
_B64_MIN_ENTROPY = 4.7
_HEX_MIN_ENTROPY = 3.0
# Entropy converges quickly; measuring a prefix keeps multi-megabyte literals cheap.
_ENTROPY_SAMPLE = 65_536
# 10,000 characters: longer than any message, template or regex a person writes; what is that
# long is packed code, an embedded payload or bundled data, all worth a look when judging.
_LONG_MIN_LEN = 10_000
_MAX_URLS = 10
_EVIDENCE = 120

_B64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_SRI = re.compile(r"(?:sha(?:1|256|384|512)-[A-Za-z0-9+/]+={0,2}\s*)+")
_URL = re.compile(r"\b(?:https?|wss?|ftps?)://[^\s\"'<>`\\{}|^]+", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\w)")
_VERSION_CONTEXT = re.compile(r"\b(?:version|ver\.?|release|build)\s*[:=]?\s*$", re.IGNORECASE)
# Image, font and media data URIs are what CSS-in-JS and asset bundles inline by the thousand.
_BENIGN_DATA_MIME = (
    "image/",
    "font/",
    "application/font",
    "application/x-font",
    "audio/",
    "video/",
)
# Namespace identifiers, not places anything is fetched from.
_NAMESPACE_HOSTS = frozenset(
    {
        "www.w3.org",
        "w3.org",
        "schemas.xmlsoap.org",
        "purl.org",
        "schemas.microsoft.com",
        "ns.adobe.com",
    }
)
_LOOPBACK_HOSTS = frozenset({"localhost", "0.0.0.0", "::1", "[::1]"})


# Every type scan_literal may return: the rules that scan literals declare these.
LITERAL_TYPES = frozenset(
    {"longStrings", "urlStrings", "highEntropyStrings", "suspiciousString"}
    | {p.signal for p in PATTERNS if p.signal is not None}
)


def scan_literal(value: str, file: str, line: int, top_level: bool = False) -> list[Finding]:
    """Findings for one string literal found at `file:line`.

    Emits highEntropyStrings, longStrings, urlStrings, suspiciousString, and the correlation
    signals `signal:source` (credential paths) and `signal:sink` kind webhook (exfil hosts).
    """
    if len(value) < _MIN_LEN:
        return []
    out: list[Finding] = []
    if len(value) >= _LONG_MIN_LEN:
        out.append(
            Finding("longStrings", file, line, _clip(value), {"length": len(value)}, top_level)
        )
    if len(value) >= _ENTROPY_MIN_LEN:
        out.extend(_entropy_findings(value, file, line, top_level))
    urls = find_urls(value)
    if urls:
        out.append(Finding("urlStrings", file, line, _clip(urls[0]), {"urls": urls}, top_level))
    out.extend(_pattern_findings(value, file, line, top_level))
    return out


def shannon_entropy(text: str) -> float:
    """Shannon entropy of `text` in bits per character (0.0 for the empty string)."""
    n = len(text)
    if not n:
        return 0.0
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


def blob_kind(value: str) -> tuple[str, str] | None:
    """("base64" | "hex", payload) when `value` is shaped like an encoded blob, else None."""
    payload = value
    if value[:5].lower() == "data:":
        header, _, payload = value.partition(",")
        mime = header[5:].split(";", 1)[0].strip().lower()
        if mime.startswith(_BENIGN_DATA_MIME) or ";base64" not in header.lower():
            return None
    if "\n" in payload:  # PEM / MIME wrap base64 at 64 or 76 columns
        payload = "".join(payload.split())
    if _SRI.fullmatch(value):
        return None
    if _HEX.fullmatch(payload):
        return ("hex", payload) if len(payload) >= _HEX_MIN_LEN else None
    if not _B64.fullmatch(payload) or not _looks_random_b64(payload):
        return None
    return "base64", payload


def _looks_random_b64(payload: str) -> bool:
    # Encoders mix cases and digits; identifiers and word paths rarely have all three. The
    # alphabet tables of base64 libraries are ordered runs, and mixing "/" with "-" or "_"
    # means a path, not one base64 variant.
    if payload.isalpha() or payload.isdigit() or payload.islower() or payload.isupper():
        return False
    if not any(ch.isdigit() for ch in payload):
        return False
    if "ABCDEFGHIJ" in payload or "abcdefghij" in payload or "0123456789" in payload:
        return False
    # No character twice in 64+: a shuffled alphabet (nanoid's url-alphabet), not data;
    # random base64 of that length repeats characters with near certainty.
    if len(set(payload)) == len(payload):
        return False
    return not ("/" in payload and ("-" in payload or "_" in payload))


def _entropy_findings(value: str, file: str, line: int, top_level: bool) -> list[Finding]:
    kind = blob_kind(value)
    if kind is None:
        return []
    encoding, payload = kind
    if len(payload) < _ENTROPY_MIN_LEN:
        return []
    entropy = shannon_entropy(payload[:_ENTROPY_SAMPLE])
    threshold = _HEX_MIN_ENTROPY if encoding == "hex" else _B64_MIN_ENTROPY
    if entropy < threshold:
        return []
    props = {"entropy": round(entropy, 2), "length": len(value), "encoding": encoding}
    return [Finding("highEntropyStrings", file, line, _clip(value), props, top_level)]


def find_urls(value: str) -> list[str]:
    """URLs and public IPv4 addresses in `value`, in order, without duplicates (capped)."""
    urls: list[str] = []
    if "://" in value:
        for m in _URL.finditer(value):
            url = m.group(0).rstrip(".,;:)]!?")
            if _interesting_url(url) and url not in urls:
                urls.append(url)
                if len(urls) >= _MAX_URLS:
                    return urls
    if value.count(".") >= 3:
        for m in _IPV4.finditer(value):
            ip = m.group(0)
            if _public_ipv4(ip) and not _VERSION_CONTEXT.search(
                value[max(0, m.start() - 12) : m.start()]
            ):
                if ip not in urls and not any(ip in u for u in urls):
                    urls.append(ip)
                if len(urls) >= _MAX_URLS:
                    break
    return urls


def _interesting_url(url: str) -> bool:
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # malformed port or IPv6 literal: still a URL worth reporting
        return True
    if not host or host in _LOOPBACK_HOSTS or host in _NAMESPACE_HOSTS:
        return False
    if host.startswith("127.") or host.endswith(".localhost"):
        return False
    # "http://x", "http://$HOST": placeholders and intranet names, not addresses on the internet.
    return "." in host or ":" in host


def _public_ipv4(text: str) -> bool:
    try:
        return ipaddress.IPv4Address(text).is_global
    except ValueError:  # octet > 255, leading zeros: a version or a counter, not an address
        return False


@lru_cache(maxsize=512)
def _candidates(present: str) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """(keyword, pattern indexes) of the patterns whose gate characters include one of
    `present`; cached per combination of gate characters, of which there are few."""
    index: dict[str, list[int]] = {}
    for i, pat in enumerate(PATTERNS):
        if not pat.needs or any(c in present for c in pat.needs):
            for k in pat.keywords:
                index.setdefault(k, []).append(i)
    return tuple((k, tuple(v)) for k, v in index.items())


def _pattern_findings(value: str, file: str, line: int, top_level: bool) -> list[Finding]:
    # Gate characters first, then keywords, then regexes: each step is a C-speed substring
    # search that rules most literals out before anything dearer runs (measured ~3x faster
    # than testing every keyword of every pattern on the literals of popular packages).
    present = "".join(c for c in GATE_CHARS if c in value)
    low = value.lower()
    hits = {i for k, idxs in _candidates(present) if k in low for i in idxs}
    out: list[Finding] = []
    signalled: set[tuple[str, str | None]] = set()
    for i in sorted(hits):
        pat = PATTERNS[i]
        m = pat.regex.search(value)
        if m is None or (pat.unless is not None and pat.unless.search(value)):
            continue
        match = _clip(m.group(0))
        out.append(
            Finding(
                "suspiciousString",
                file,
                line,
                match,
                {"pattern": pat.name, "match": match},
                top_level,
            )
        )
        # One signal per kind and literal: "~/.ssh/id_rsa" is one sensitive read, not two.
        if pat.signal is not None and (pat.signal, pat.kind) not in signalled:
            signalled.add((pat.signal, pat.kind))
            out.append(
                Finding(
                    pat.signal,
                    file,
                    line,
                    match,
                    # a literal that names a path or an endpoint: no read or send by itself
                    {"kind": pat.kind, "detail": match, "literal": True},
                    top_level,
                )
            )
    return out


def _clip(text: str) -> str:
    return text if len(text) <= _EVIDENCE else text[: _EVIDENCE - 3] + "..."
