"""The templates' text filter: the same result as reports.views.printable, fast path or not."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from depshield.dashboard.render import package_url, pull_url, text
from depshield.reports.views import printable


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=400) | st.text(max_size=400))
def test_text_filter_is_printable(value: str) -> None:
    assert text(value) == printable(value, 300)


def test_links_encode_every_part() -> None:
    item = {"ecosystem": "npm", "name": "@scope/a b<\"'>", "version": "1.0.0/../x"}
    assert package_url(item) == "/npm/@scope/a%20b%3C%22%27%3E/1.0.0%2F..%2Fx"
    assert pull_url({"repo": "o/r?x#y", "pr": 3}) == "/pr/o/r%3Fx%23y/3"
