"""Name forms for typosquat matching: registry keys, visual skeletons, word sets and affixes."""

from __future__ import annotations

import re
import unicodedata

# Letters from other scripts that render like ASCII ones (UTS #39 confusables, the subset seen in
# package names: a PyPI sample in the dev corpus spells requests with a Cyrillic "е").
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "е": "e", "ё": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x",
        "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "к": "k",
        "ɡ": "g", "ı": "i", "α": "a", "ο": "o", "ρ": "p", "ν": "v", "κ": "k", "ι": "i", "υ": "u",
    }
)  # fmt: skip
# Single characters that look alike in common fonts: digit one / lower L / capital I, zero / o.
_SINGLE = str.maketrans({"1": "l", "|": "l", "0": "o"})
# Letter pairs that read as one letter at a glance ("rnoment" for "moment").
_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"))

_DROP = str.maketrans("", "", "-_./@")
_RUNS = re.compile(r"(.)\1+")
_WORD_SPLIT = re.compile(r"[-_./@]+")
_VERSION_TAIL = re.compile(r"[-_.]?v?\d+(?:\.\d+)*$")
_PREFIXES = ("python3-", "python-", "node-", "js-", "py-", "python3", "python", "node", "py")
_SUFFIXES = ("-python", "-node", "-cli", "-lib", "-js", ".js", "-py", "python", "lib", "js", "py")
MIN_AFFIX_BASE = 4  # "py" + "six" is how real projects are named, not a squat of six


def fold(name: str) -> str:
    """NFKC plus the homoglyph table, so full-width and Cyrillic look-alikes become ASCII."""
    return unicodedata.normalize("NFKC", name).translate(_HOMOGLYPHS)


def registry_key(ecosystem: str, name: str) -> str:
    """The name as the registry compares it (the ecosystem's `registry_key`: PEP 503 for PyPI,
    lower case for npm)."""
    from depshield.ecosystems.plugins import plugin

    return plugin(ecosystem).registry_key(name)


def bare(key: str) -> str:
    """The key without delimiters or scope punctuation: `@babel/core` and `babel-core` agree."""
    return key.translate(_DROP)


def skeleton(raw: str) -> str:
    """What a reader sees: folded, I/1 as l, 0 as o, rn/vv/cl as m/w/d, no delimiters or runs."""
    text = raw if raw.isascii() else fold(raw)
    text = text.replace("I", "l").lower().translate(_SINGLE)
    for pair, single in _PAIRS:
        text = text.replace(pair, single)
    return collapse(text).translate(_DROP)  # runs collapse within words: requests-sse stays


def word_key(key: str) -> tuple[str, ...] | None:
    """The sorted words of a multi-word name, or None for a single word."""
    words = [w for w in _WORD_SPLIT.split(key) if w]
    return tuple(sorted(words)) if len(words) > 1 else None


def is_scoped(key: str) -> bool:
    return key.startswith("@") and "/" in key


def affix_bases(key: str) -> list[str]:
    """The name without an ecosystem or version affix (`react2`, `colorama-py`, `node-lodash`)."""
    bases: list[str] = []
    for stem in _strip_suffixes(key):
        bases.append(stem)
        bases.extend(p for p in _strip_prefixes(stem))
    bases.extend(_strip_prefixes(key))
    return [b for b in dict.fromkeys(bases) if b != key and len(bare(b)) >= MIN_AFFIX_BASE]


def _strip_suffixes(key: str) -> list[str]:
    out = [key[: -len(s)] for s in _SUFFIXES if key.endswith(s)]
    version = _VERSION_TAIL.search(key)
    if version and version.start() > 0:
        out.append(key[: version.start()])
    return [s.rstrip("-_.") for s in out if s]


def _strip_prefixes(key: str) -> list[str]:
    return [key[len(p) :].lstrip("-_.") for p in _PREFIXES if key.startswith(p)]


def visible(raw: str) -> str:
    """The name as typed, lower case, without delimiters: what separates look-alike from typo."""
    return bare(raw.lower())


def collapse(text: str) -> str:
    """Runs of one character as one (`pilllow` -> `pilow`): doubled letters are easy to miss."""
    return _RUNS.sub(r"\1", text)


def keyboard_adjacent(a: str, b: str) -> bool:
    """Neighbouring keys on a QWERTY keyboard, the commonest slip of a finger."""
    return b in _NEIGHBOURS.get(a, "")


def edit_relation(cand: str, target: str) -> tuple[str, bool] | None:
    """(technique, plausible slip) when two skeletons are one edit apart, else None."""
    if len(cand) == len(target):
        return _same_length(cand, target)
    if abs(len(cand) - len(target)) != 1:
        return None
    longer, shorter = (cand, target) if len(cand) > len(target) else (target, cand)
    for i in range(len(longer)):
        if longer[:i] + longer[i + 1 :] == shorter:
            return _one_more(longer, i, dropped=longer is target)
    return None


def _same_length(cand: str, target: str) -> tuple[str, bool] | None:
    diff = [i for i, (a, b) in enumerate(zip(cand, target, strict=True)) if a != b]
    if len(diff) == 2 and diff[1] == diff[0] + 1:
        i = diff[0]
        if cand[i] == target[i + 1] and cand[i + 1] == target[i]:
            return "swappedLetters", True
        return None
    if len(diff) != 1:
        return None
    a, b = cand[diff[0]], target[diff[0]]
    if a.isdigit() and b.isdigit():
        return None  # ldap2 / ldap3, vue2 / vue3: version lines, not typos
    return "editDistance", keyboard_adjacent(a, b) or frozenset((a, b)) in _SOUND_ALIKE


def _one_more(longer: str, i: int, dropped: bool) -> tuple[str, bool] | None:
    """`longer` has one letter more, at `i`; `dropped` when the candidate is the shorter one."""
    extra = longer[i]
    if extra.isdigit():
        return None  # version digits are the affix rule's business
    # A letter added or dropped at the very end is how honest names grow (cobble, cobbler);
    # inside a word, a dropped letter, a doubled one, a vowel or a neighbouring key is a slip.
    if i in (0, len(longer) - 1):
        return "editDistance", False
    near = longer[i - 1] + longer[i + 1]
    slip = dropped or extra in near or extra in "aeiouy"
    return "editDistance", slip or any(keyboard_adjacent(extra, c) for c in near)


def _neighbours() -> dict[str, str]:
    # Staggered rows: x offsets of a physical keyboard, so r touches d, f, t, e, 4, 5.
    rows = (("1234567890", 0.0), ("qwertyuiop", 0.5), ("asdfghjkl", 0.75), ("zxcvbnm", 1.25))
    where = {k: (y, x + off) for y, (keys, off) in enumerate(rows) for x, k in enumerate(keys)}
    return {
        k: "".join(
            o for o, (y2, x2) in where.items() if o != k and abs(y2 - y) <= 1 and abs(x2 - x) <= 1
        )
        for k, (y, x) in where.items()
    }


_NEIGHBOURS = _neighbours()
# Letters that stand for one sound, swapped by people who spell by ear (pycerial, pyserial).
_SOUND_ALIKE = frozenset(frozenset(p) for p in ("cs", "ck", "sz", "iy", "fv"))
