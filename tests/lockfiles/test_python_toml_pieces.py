"""poetry.lock read one [[package]] entry at a time gives what the whole document gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from depshield.lockfiles.base import LockfileError
from depshield.lockfiles.pycommon import load_toml, load_toml_entries

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lockfiles" / "python"
LOCKS = sorted(p for p in FIXTURES.rglob("*.lock") if "Pipfile" not in p.name)


@pytest.mark.parametrize("path", LOCKS, ids=lambda p: p.name)
def test_pieces_equal_the_whole_document(path: Path) -> None:
    text = path.read_text()
    try:
        whole = load_toml(path, text)
    except LockfileError as exc:
        with pytest.raises(LockfileError) as pieces:
            load_toml_entries(path, text)
        assert pieces.value.message == exc.message
        return
    assert load_toml_entries(path, text) == whole


def test_a_cut_inside_a_string_falls_back_to_the_whole_document() -> None:
    text = (
        '[[package]]\nname = "a"\ndescription = """x\n[[package]]\nname = "hidden"\n"""\n\n'
        '[[package]]\nname = "b"\n\n[metadata]\nlock-version = "2.0"\n'
    )
    data = load_toml_entries(Path("poetry.lock"), text)
    assert [p["name"] for p in data["package"]] == ["a", "b"]
    assert data == load_toml(Path("poetry.lock"), text)


def test_a_table_set_twice_is_still_an_error_with_its_line() -> None:
    text = '[metadata]\nlock-version = "2.0"\n\n[[package]]\nname = "a"\n\n[metadata]\nx = 1\n'
    with pytest.raises(LockfileError) as refused:
        load_toml_entries(Path("poetry.lock"), text)
    assert (
        refused.value.message
        == pytest.raises(LockfileError, load_toml, Path("poetry.lock"), text).value.message
    )
