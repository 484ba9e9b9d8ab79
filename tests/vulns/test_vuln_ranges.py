"""Range evaluation: the OSV schema's algorithm, version orderings, and property tests."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from nodesemver import make_semver

from depshield.vulns.affected import compile_entry, entry_hit
from depshield.vulns.ranges import compile_range, includes
from depshield.vulns.versions import pep440_key, semver_key, version_key


def entry(ecosystem: str, *ranges: dict[str, Any], versions: list[str] | None = None) -> Any:
    notes: list[str] = []
    raw: dict[str, Any] = {"ranges": list(ranges)}
    if versions is not None:
        raw["versions"] = versions
    return compile_entry(raw, ecosystem, notes), notes


def ev(type_: str, *events: tuple[str, str]) -> dict[str, Any]:
    return {"type": type_, "events": [{kind: value} for kind, value in events]}


def hit(compiled: Any, version: str | None) -> Any:
    def key_of(scheme: Any) -> Any:
        return None if version is None else version_key(scheme, version)

    return entry_hit(compiled, version, key_of)


def test_introduced_fixed_is_half_open() -> None:
    compiled, _ = entry("npm", ev("SEMVER", ("introduced", "1.0.0"), ("fixed", "1.0.2")))
    assert hit(compiled, "1.0.0") is not None
    assert hit(compiled, "1.0.1") is not None
    assert hit(compiled, "1.0.2") is None
    assert hit(compiled, "0.9.9") is None


def test_last_affected_is_inclusive() -> None:
    compiled, _ = entry("npm", ev("ECOSYSTEM", ("introduced", "0"), ("last_affected", "3.9.19")))
    found = hit(compiled, "3.9.19")
    assert found is not None and found.text == "<= 3.9.19" and found.first_patched is None
    assert hit(compiled, "3.9.20") is None


def test_events_out_of_order_are_sorted_first() -> None:
    # The spec sorts events before walking them; records do not always list them in order.
    rng = ev(
        "ECOSYSTEM",
        ("fixed", "5.2"),
        ("introduced", "5.0"),
        ("fixed", "4.3"),
        ("introduced", "4.0"),
    )
    compiled, _ = entry("PyPI", rng)
    assert [hit(compiled, v) is not None for v in ("3.9", "4.0", "4.2", "4.3", "5.1", "5.2")] == [
        False, True, True, False, True, False,
    ]  # fmt: skip
    found = hit(compiled, "5.1")
    assert found.text == ">= 5.0, < 5.2" and found.first_patched == "5.2"


def test_limit_caps_the_range() -> None:
    compiled, _ = entry("npm", ev("SEMVER", ("introduced", "0"), ("limit", "2.0.0")))
    assert hit(compiled, "1.9.9") is not None
    assert hit(compiled, "2.0.0") is None
    star, _ = entry("npm", ev("SEMVER", ("introduced", "1.0.0"), ("limit", "*")))
    assert hit(star, "99.0.0") is not None


def test_introduced_zero_alone_matches_every_version_even_unparseable_or_missing() -> None:
    compiled, _ = entry("PyPI", ev("ECOSYSTEM", ("introduced", "0")))
    assert hit(compiled, "1.0").text == "all versions"
    assert hit(compiled, "not a version") is not None
    assert hit(compiled, None) is not None
    bounded, _ = entry("PyPI", ev("ECOSYSTEM", ("introduced", "0"), ("fixed", "2.0")))
    assert hit(bounded, None) is None


def test_git_ranges_are_ignored_but_versions_list_still_counts() -> None:
    git = {"type": "GIT", "repo": "https://example.invalid/r", "events": [{"introduced": "0"}]}
    compiled, _ = entry("PyPI", git, versions=["1.0"])
    assert compiled.ranges == ()
    assert hit(compiled, "1.0") is not None
    assert hit(compiled, "1.0.0") is not None  # PEP 440: 1.0 == 1.0.0
    assert hit(compiled, "1.1") is None


def test_versions_list_hit_reports_first_fix_from_ranges() -> None:
    compiled, _ = entry(
        "npm", ev("ECOSYSTEM", ("introduced", "3.3.6"), ("fixed", "4.0.0")), versions=["3.3.6"]
    )
    found = hit(compiled, "3.3.6")
    assert found.first_patched == "4.0.0"


def test_invalid_event_is_dropped_with_a_note() -> None:
    rng = ev("ECOSYSTEM", ("introduced", "6.10.0"), ("fixed", "7.2.4, 6.11.4"))
    compiled, notes = entry("npm", rng)
    assert notes and "7.2.4, 6.11.4" in notes[0]
    # Without its unusable upper bound the range stays open: reported rather than missed.
    assert hit(compiled, "7.3.0") is not None
    assert hit(compiled, "6.9.0") is None


def test_loose_semver_in_events_and_prereleases() -> None:
    compiled, _ = entry("npm", ev("ECOSYSTEM", ("introduced", "1.0"), ("fixed", "3.1.1")))
    assert hit(compiled, "1.0.0") is not None
    pre, _ = entry("npm", ev("ECOSYSTEM", ("introduced", "5.0.0-alpha.1"), ("fixed", "5.0.0")))
    assert hit(pre, "5.0.0-beta.3") is not None
    assert hit(pre, "5.0.0-alpha.0") is None
    assert hit(pre, "5.0.0") is None


def test_invalid_query_version_does_not_crash() -> None:
    compiled, _ = entry("npm", ev("ECOSYSTEM", ("introduced", "1.0.0"), ("fixed", "2.0.0")))
    assert hit(compiled, "not-a-version") is None
    pypi, _ = entry("PyPI", ev("ECOSYSTEM", ("introduced", "1.0"), ("fixed", "2.0")))
    assert hit(pypi, "2004d") is None


# --- properties -------------------------------------------------------------------------------

release = st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 4))


def _text(parts: tuple[int, int, int]) -> str:
    return ".".join(map(str, parts))


@settings(max_examples=300, deadline=None)
@given(
    bounds=st.lists(release, min_size=2, max_size=8, unique=True),
    probe=release,
    shuffle_seed=st.integers(0, 1000),
    zero_start=st.booleans(),
)
def test_affected_iff_in_some_introduced_fixed_interval(
    bounds: list[tuple[int, int, int]],
    probe: tuple[int, int, int],
    shuffle_seed: int,
    zero_start: bool,
) -> None:
    points = sorted(bounds)
    if len(points) % 2:
        points = points[:-1]
    intervals = list(zip(points[::2], points[1::2], strict=True))
    events = []
    for index, (low, high) in enumerate(intervals):
        low_text = "0" if zero_start and index == 0 else _text(low)
        events += [("introduced", low_text), ("fixed", _text(high))]
    random.Random(shuffle_seed).shuffle(events)
    for ecosystem, type_ in (("npm", "SEMVER"), ("PyPI", "ECOSYSTEM")):
        compiled, _ = entry(ecosystem, ev(type_, *events))
        expected = any(
            ((zero_start and i == 0) or low <= probe) and probe < high
            for i, (low, high) in enumerate(intervals)
        )
        assert (hit(compiled, _text(probe)) is not None) == expected


@settings(max_examples=200, deadline=None)
@given(low=release, last=release, probe=release)
def test_last_affected_interval_is_closed(
    low: tuple[int, int, int], last: tuple[int, int, int], probe: tuple[int, int, int]
) -> None:
    low, last = min(low, last), max(low, last)
    compiled, _ = entry(
        "npm", ev("SEMVER", ("introduced", _text(low)), ("last_affected", _text(last)))
    )
    assert (hit(compiled, _text(probe)) is not None) == (low <= probe <= last)


identifier = st.one_of(st.integers(0, 20).map(str), st.sampled_from(["alpha", "beta", "rc", "a1"]))
semver_text = st.builds(
    lambda core, pre: _text(core) + ("-" + ".".join(pre) if pre else ""),
    release,
    st.lists(identifier, max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(a=semver_text, b=semver_text)
def test_semver_key_orders_like_node_semver(a: str, b: str) -> None:
    expected = make_semver(a, False).compare(make_semver(b, False))
    key_a, key_b = semver_key(a), semver_key(b)
    assert key_a is not None and key_b is not None
    assert (key_a > key_b) - (key_a < key_b) == expected


@settings(max_examples=200, deadline=None)
@given(a=release, b=release, pre=st.sampled_from(["", "a1", "rc2", ".post1", ".dev0"]))
def test_pep440_key_is_packaging_order(
    a: tuple[int, int, int], b: tuple[int, int, int], pre: str
) -> None:
    from packaging.version import Version

    left, right = _text(a) + pre, _text(b)
    assert (pep440_key(left) < pep440_key(right)) == (Version(left) < Version(right))


event_kind = st.sampled_from(["introduced", "fixed", "last_affected", "limit"])
small_version = st.tuples(st.integers(0, 3), st.integers(0, 2)).map(lambda t: f"{t[0]}.{t[1]}.0")


@settings(max_examples=400, deadline=None)
@given(
    events=st.lists(st.tuples(event_kind, st.one_of(small_version, st.just("0"))), max_size=7),
    probe=small_version,
)
def test_table_equals_the_schema_walk(events: list[tuple[str, str]], probe: str) -> None:
    """Any event list, well-formed or not (ties, fixed and last_affected mixed, limits): the
    bisected table must answer exactly what the OSV pseudocode answers."""
    events = [(kind, "*" if kind == "limit" and value == "0" else value) for kind, value in events]
    compiled = compile_range(ev("SEMVER", *events), "npm", [])
    assert compiled is not None
    key = version_key("semver", probe)
    assert key is not None
    assert (compiled.hit(key) is not None) == includes(compiled, key)


def test_range_walk_matches_includes_for_ranges_with_limits() -> None:
    compiled, _ = entry(
        "npm", ev("SEMVER", ("introduced", "1.0.0"), ("fixed", "2.0.0"), ("limit", "1.5.0"))
    )
    rng = compiled.ranges[0]
    assert includes(rng, version_key("semver", "1.4.0"))
    assert not includes(rng, version_key("semver", "1.6.0"))
