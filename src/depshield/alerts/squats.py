"""didYouMean's grading: a near name is evidence, a verdict only when nothing vouches for it.

A typosquat borrows another project's identity: the corpus's squats name no home at all, copy
the target's repository (`psf/requests` on `requesta`) or point at an unrelated one. An honest
project with a near name names its own: `hapijs/accept` beside `accepts`, a monorepo folder
`packages/babel-plugin-transform-object-assign` beside `@babel/plugin-transform-object-assign`
(docs/typosquats.md, "Grading").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from depshield.model import Alert

_WORD = re.compile(r"[a-z0-9]+")
_SEGMENT = re.compile(r"[/:#?@]+")
OWN_HOME_NOTE = (
    "the package names its own home ({url}), runs nothing at install and nothing else in it "
    "warns: the near name of a project of its own, kept as evidence"
)
_QUIET = frozenset({"monitor", "ignore"})
# Code run at install is the squat's usual payload: even a quiet build step keeps the warning.
_ACTS = frozenset({"installScripts"})


def own_home(name: str, target: str, urls: Iterable[object]) -> str | None:
    """The first of `urls` that names the package `name` itself, when none names `target`
    instead; None when no URL names the package or one points at the target.

    A URL names a package when one of its path segments (or its host) holds the package's
    words in order (`react-inline-auto-prefixer` names `auto-prefixer`); a scoped package needs
    its scope named too. A segment that names both names the package (`babel-plugin-x` is the
    folder of `babel-plugin-x`, not of `@babel/plugin-x`)."""
    mine, theirs = _parts(name), _parts(target)
    found = None
    for url in urls:
        if not isinstance(url, str):
            continue
        segments = _segments(url)
        if _names(segments, theirs, but=mine[-1]):
            return None
        if found is None and _names(segments, mine):
            found = url
    return found


def grade_squats(
    alerts: Sequence[Alert], name: str, urls: Iterable[object], explicit: bool
) -> list[Alert]:
    """`alerts` with a didYouMean at warn graded monitor when the package `name` names its own
    home, runs nothing at install and no other alert warns or blocks. `explicit`: the policy
    set didYouMean's action."""
    squat = next((a for a in alerts if a.type == "didYouMean"), None)
    if squat is None or explicit or squat.action in _QUIET:
        return list(alerts)
    if any(a.action not in _QUIET or a.type in _ACTS for a in alerts if a is not squat):
        return list(alerts)  # a squat that also does something keeps its warning
    target = squat.props.get("alternatePackage")
    url = own_home(name, target, urls) if isinstance(target, str) else None
    if url is None:
        return list(alerts)
    props = {**squat.props, "note": OWN_HOME_NOTE.format(url=url)}
    graded = replace(squat, severity="middle", action="monitor", props=props)
    return [graded if a is squat else a for a in alerts]


def _parts(name: str) -> tuple[tuple[str, ...], ...]:
    """A package name's word runs: (scope words, name words) or (name words,)."""
    scope, _, bare = name.lower().lstrip("@").rpartition("/")
    words = tuple(_WORD.findall(bare))
    return (tuple(_WORD.findall(scope)), words) if scope else (words,)


def _segments(url: str) -> list[tuple[str, ...]]:
    text = url.strip().lower()
    return [tuple(_WORD.findall(s.removesuffix(".git"))) for s in _SEGMENT.split(text) if s]


def _names(
    segments: list[tuple[str, ...]],
    parts: tuple[tuple[str, ...], ...],
    but: tuple[str, ...] = (),
) -> bool:
    """Each of `parts` runs inside some segment (the last in one that does not hold `but`)."""
    *scopes, words = parts
    if not words or not any(_runs(s, words) and not (but and _runs(s, but)) for s in segments):
        return False
    return all(any(_runs(s, scope) for s in segments) for scope in scopes)


def _runs(segment: tuple[str, ...], words: tuple[str, ...]) -> bool:
    n = len(words)
    return any(segment[i : i + n] == words for i in range(len(segment) - n + 1))
