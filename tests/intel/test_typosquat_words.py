"""didYouMean spares names an organisation owns and names made of real words; squats of the
same targets still fire."""

from __future__ import annotations

import pytest

from depshield.intel.typosquat import did_you_mean


@pytest.mark.parametrize(
    "name",
    [
        "@apollo/link-context",  # a scope with many popular packages has owners
        "react-native-os",  # `os` is vocabulary, not a slip for `fs`
    ],
)
def test_owned_scopes_and_real_words_are_no_squats(name: str) -> None:
    assert did_you_mean("npm", name) is None


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("acookie", "cookie"),
        ("colors-support", "color-support"),  # a letter added to a real word
        ("4equest", "request"),
        ("react-native-fz", "react-native-fs"),  # `fz` is no word
        ("@apollo-x/client", "@apollo/client"),  # a stranger's scope next to the owned one
    ],
)
def test_squats_next_to_them_still_fire(name: str, target: str) -> None:
    found = did_you_mean("npm", name)
    assert found is not None and found.props["alternatePackage"] == target
