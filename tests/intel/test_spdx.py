"""The single-id shortcut in spdx must answer exactly what the full SPDX table answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from depshield.intel import spdx


def test_every_single_id_renders_as_the_table_parses_it() -> None:
    table = spdx.single_ids()
    assert len(table) > 500
    for spelling, rendered in table.items():
        parsed = spdx.parse(spelling)
        assert parsed is not None and str(parsed.render()) == rendered, spelling


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("mit", "MIT"),
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("Apache 2.0", "Apache-2.0"),  # a spelling, not an id: the slower path
        ("MIT OR Apache-2.0", "MIT OR Apache-2.0"),
        ("Classpath-exception-2.0", None),  # an exception alone is no license
        ("Not-A-License-9", None),
    ],
)
def test_normalise_with_and_without_the_shortcut(declared: str, expected: str | None) -> None:
    assert spdx.normalise(declared) == expected


def test_single_id_memo_is_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPSHIELD_HOME", str(tmp_path))
    spdx.single_ids.cache_clear()
    first = spdx.single_ids()
    memos = list((tmp_path / "memo").glob("spdx-ids-*.marshal"))
    assert len(memos) == 1
    spdx.single_ids.cache_clear()
    monkeypatch.setattr(spdx, "licensing", lambda: pytest.fail("table rebuilt despite the memo"))
    assert spdx.single_ids() == first
    spdx.single_ids.cache_clear()


def test_choices_of_a_single_id() -> None:
    assert spdx.choices("MIT") == [frozenset({"MIT"})]
    assert spdx.choices("MIT OR ISC") == [frozenset({"MIT"}), frozenset({"ISC"})]
