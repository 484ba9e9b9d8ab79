"""Typosquat detection: a name one slip away from a far more popular package (`didYouMean`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from depshield.ecosystems.plugins import plugins
from depshield.intel.confusables import (
    affix_bases,
    bare,
    collapse,
    edit_relation,
    is_scoped,
    registry_key,
    skeleton,
    visible,
    word_key,
)
from depshield.intel.popularity import PopularityIndex, load_index
from depshield.model import Finding

_WORDS = re.compile(r"[-_./]+")
MAX_NAME = 214  # npm's limit; longer input is not a package name
# Shortest bare name (no delimiters) each technique may judge: one typo away from a 4-letter name
# is another ordinary name (ms / ws / qs / vue / vuex), while a look-alike glyph is still a trick.
_MIN_LENGTH = {
    "confusable": 3,
    "swappedLetters": 4,
    "scopeConfusion": 4,
    "redelimited": 4,
    "repeatedLetter": 4,
    "reorderedWords": 4,
    "editDistance": 5,
    "affix": 4,
}
# When one candidate matches a target by several techniques, name the sharpest (dict order).
_PRIORITY = {reason: i for i, reason in enumerate(_MIN_LENGTH)}
_STRENGTH = dict.fromkeys(_MIN_LENGTH, 0) | {"reorderedWords": 1, "editDistance": 1, "affix": 2}
# An edit that is no common slip (a far key, a consonant out of nowhere) mostly joins two honest
# names (tryton / triton, pacparser / pycparser); it counts only against the best-known targets.
UNLIKELY_EDIT_RANK = 1000
# ... unless the names are long: one odd letter in ten is a typo more often than a new project.
LONG_NAME = 10
# A language or version affix is how many honest companions are named (`X-cli`, `X-py`), so it
# counts only against well-known targets, where the affix is the trick (react2, colorama-py).
AFFIX_RANK = 3000
# A candidate that is itself on the popular list needs this popularity gap to count (npm:
# download ratio; PyPI: rank ratio); most such pairs are two honest packages.
IN_LIST_RATIO = 1000.0


def did_you_mean(ecosystem: str, name: str) -> Finding | None:
    """A didYouMean finding when `name` imitates a much more popular package, else None."""
    if ecosystem not in plugins() or not isinstance(name, str):
        return None
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        return None
    index = load_index(ecosystem)
    key = registry_key(ecosystem, name)
    cand_rank = index.rank_of(key)
    best = _best_match(index, name, key, cand_rank)
    if best is None:
        return None
    target_id, reason = best
    target = index.name(target_id)
    return Finding(
        type="didYouMean",
        file="",
        line=0,
        evidence=f"{name!r} looks like {target!r} ({_DESCRIPTIONS[reason]})",
        props={
            "alternatePackage": target,
            "reason": reason,
            "targetRank": target_id + 1,
            "candidateRank": cand_rank,
        },
    )


def _best_match(
    index: PopularityIndex, name: str, key: str, cand_rank: int | None
) -> tuple[int, str] | None:
    found: dict[int, str] = {}
    for target_id, reason, slip in _near(index, name, key):
        if not _passes_gate(index, key, cand_rank, target_id, reason, slip):
            continue
        previous = found.get(target_id)
        if previous is None or _PRIORITY[reason] < _PRIORITY[previous]:
            found[target_id] = reason
    if not found:
        return None
    # A look-alike or a swap points at its target more surely than an edit, and an edit more
    # than an affix (pyinnstaller imitates pyinstaller, not installer); then the most popular.
    target_id = min(found, key=lambda t: (_STRENGTH[found[t]], t))
    return target_id, found[target_id]


def _near(index: PopularityIndex, raw: str, key: str) -> Iterator[tuple[int, str, bool]]:
    """(target id, technique, plausible slip) for each popular name `raw` is one trick from."""
    skel = skeleton(raw)
    for probe in _deletions(skel):
        for target_id in index.probe(probe):
            target_skel = index.skeleton(target_id)
            if target_skel == skel:
                yield target_id, _look_alike(raw, key, index.key(target_id)), True
                continue
            relation = edit_relation(skel, target_skel)
            if relation is not None:
                yield target_id, relation[0], relation[1]
    words = word_key(key)
    if words is not None:
        for target_id in index.same_words(words):
            yield target_id, "reorderedWords", True
    if not is_scoped(key):  # a scope is owned: @acme/node-resolve does not imitate resolve
        for base in affix_bases(key):
            base_skel = skeleton(base)
            for target_id in index.probe(base_skel):
                if index.skeleton(target_id) == base_skel:
                    yield target_id, "affix", True


def _deletions(text: str) -> Iterator[str]:
    yield text
    seen = set()
    for i in range(len(text)):
        probe = text[:i] + text[i + 1 :]
        if probe not in seen:
            seen.add(probe)
            yield probe


def _look_alike(raw: str, key: str, target: str) -> str:
    """Why two names with one skeleton differ: separators, scope, doubled letters or glyphs."""
    typed, wanted = visible(raw), visible(target)
    if typed == wanted:
        return "scopeConfusion" if is_scoped(key) != is_scoped(target) else "redelimited"
    if collapse(typed) == collapse(wanted):
        return "repeatedLetter"
    return "confusable"


def _passes_gate(
    index: PopularityIndex,
    key: str,
    cand_rank: int | None,
    target_id: int,
    reason: str,
    slip: bool,
) -> bool:
    target_key = index.key(target_id)
    if target_key == key or (key, target_key) in index.allowed or _same_scope(key, target_key):
        return False
    if _platform_build(target_key):
        return False
    shortest = min(len(bare(key)), len(bare(target_key)))
    if shortest < _MIN_LENGTH[reason] + (0 if slip else 1):
        return False
    rank = target_id + 1
    odd_edit = not slip and rank > UNLIKELY_EDIT_RANK and shortest < LONG_NAME
    if odd_edit or (reason == "affix" and rank > AFFIX_RANK):
        return False
    if _owned_scope(index, key) or (
        reason == "editDistance" and _real_word(index, key, target_key)
    ):
        return False
    if cand_rank is None:
        return True
    return index.popularity_ratio(rank, cand_rank) >= IN_LIST_RATIO


# A scope with this many popular packages belongs to an organisation that publishes: only its
# members can publish `@apollo/link-context`, so it imitates nobody.
OWNED_SCOPE = 3
# A word this many popular names use is vocabulary, not a slip (`react-native-os` beside
# `react-native-fs`): one letter changed into another real word.
REAL_WORD = 3


def _owned_scope(index: PopularityIndex, key: str) -> bool:
    return is_scoped(key) and index.scope_size(key.split("/")[0]) >= OWNED_SCOPE


def _real_word(index: PopularityIndex, key: str, target: str) -> bool:
    """The one word in which the names differ is, in the candidate, a word popular names use."""
    mine, theirs = _WORDS.split(key.lstrip("@")), _WORDS.split(target.lstrip("@"))
    if len(mine) != len(theirs):
        return False
    differ = [(a, b) for a, b in zip(mine, theirs, strict=True) if a != b]
    if len(differ) != 1 or len(differ[0][0]) != len(differ[0][1]) or len(differ[0][0]) < 2:
        # an added or dropped letter keeps the word (`colors-support` for `color-support`)
        return False
    return index.word_uses(differ[0][0]) >= REAL_WORD


# A platform build (`@libsql/linux-x64-musl`, `@esbuild/darwin-arm64`) is installed by its
# parent package's optionalDependencies, never typed by a person: a near name catches no slip.
_OS_WORDS = frozenset(
    {"linux", "darwin", "macos", "osx", "win32", "win", "windows", "freebsd", "openbsd",
     "netbsd", "sunos", "android", "aix"}
)  # fmt: skip
_ARCH_WORDS = frozenset(
    {"x64", "x86", "ia32", "amd64", "arm", "arm64", "armv7", "armv7l", "aarch64", "ppc64",
     "ppc64le", "s390x", "riscv64", "loong64", "mips64el", "i386", "i686", "universal", "64", "32"}
)  # fmt: skip


def _platform_build(key: str) -> bool:
    """The name says which operating system and processor its binaries are for."""
    words = set(_WORDS.split(key.lstrip("@")))
    return bool(words & _OS_WORDS) and bool(words & _ARCH_WORDS)


def _same_scope(key: str, target: str) -> bool:
    """Only a scope's owners publish in it: @types/nodee cannot be a stranger's squat."""
    return is_scoped(key) and is_scoped(target) and key.split("/")[0] == target.split("/")[0]


_DESCRIPTIONS = {
    "editDistance": "one letter added, dropped or changed",
    "swappedLetters": "two neighbouring letters swapped",
    "confusable": "look-alike characters",
    "redelimited": "same words, different separators",
    "repeatedLetter": "a letter doubled or undoubled",
    "scopeConfusion": "scope turned into a plain name or back",
    "reorderedWords": "same words in another order",
    "affix": "a language or version affix on the name",
}
