"""Scores move with the verdict: a warned package never outscores a passing one."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from depshield.alerts.catalog import CATALOG
from depshield.model import Alert
from depshield.policy import verdict_of
from depshield.scoring import BANDS, in_band, score

SEVERITIES = ("low", "middle", "high", "critical")
ACTIONS = ("error", "warn", "monitor", "ignore")


def alert(type_: str, severity: str, action: str) -> Alert:
    entry = CATALOG[type_]
    return Alert(type_, entry.category, severity, action, entry.title, entry.title)  # type: ignore[arg-type]


alerts = st.lists(
    st.builds(
        alert,
        st.sampled_from(sorted(CATALOG)),
        st.sampled_from(SEVERITIES),
        st.sampled_from(ACTIONS),
    ),
    max_size=12,
)


@given(alerts, alerts)
def test_a_warned_package_never_outscores_a_passing_one(a: list[Alert], b: list[Alert]) -> None:
    order = {"pass": 0, "warn": 1, "block": 2}
    va, vb = verdict_of(x.action for x in a), verdict_of(x.action for x in b)
    sa, sb = score(a, va), score(b, vb)
    if order[va] > order[vb]:
        assert sa.supplyChain < sb.supplyChain and sa.overall < sb.overall
    low, high = BANDS[va]
    assert low <= sa.supplyChain <= high and low <= sa.overall <= high


def test_many_monitor_alerts_still_score_above_one_warning() -> None:
    monitors = [
        alert(t, "middle", "monitor")
        for t in ("networkAccess", "shellAccess", "usesEval", "hasNativeCode", "suspiciousString")
    ]
    one_warn = [alert("installScripts", "high", "warn")]
    raw_monitors = score(monitors).supplyChain  # no verdict: the raw product
    assert raw_monitors < score(one_warn).supplyChain  # the raw scores would invert the verdicts
    assert score(monitors, "pass").supplyChain > score(one_warn, "warn").supplyChain


def test_bands_keep_the_ends_and_the_order_inside() -> None:
    assert (in_band("pass", 100), in_band("pass", 0)) == (100, 60)
    assert (in_band("warn", 100), in_band("block", 100), in_band("block", 0)) == (59, 29, 0)
    assert in_band("warn", 40) < in_band("warn", 80)
    assert score([], "pass").supplyChain == 100 and score([], "pass").overall == 100
