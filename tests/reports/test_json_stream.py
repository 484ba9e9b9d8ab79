"""The streamed JSON writer gives exactly the bytes of json.dumps(indent=2, default=str)."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

from hypothesis import given
from hypothesis import strategies as st

from depshield.reports.json_stream import dumps, write_list

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
_keys = st.text() | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(_keys, inner, max_size=4)
    ),
    max_leaves=30,
)


@given(_values)
def test_dumps_matches_the_standard_encoder(value) -> None:
    assert dumps(value) == json.dumps(value, indent=2, default=str)


@given(st.lists(_values, max_size=5))
def test_a_streamed_list_matches_the_standard_encoder(items) -> None:
    parts: list[str] = []
    write_list(iter(items), 0, parts.append)
    assert "".join(parts) == json.dumps(items, indent=2, default=str)


def test_unknown_objects_are_written_as_their_text_as_default_str_does() -> None:
    value = {"path": PurePosixPath("a/b"), "nested": [PurePosixPath("c")]}
    assert dumps(value) == json.dumps(value, indent=2, default=str)


def test_the_streamed_report_is_the_whole_document_byte_for_byte() -> None:
    from depshield.model import PackageRef, PackageResult, Scores
    from depshield.reports.base import DeepView, Occurrence, Report
    from depshield.reports.json_report import as_dict, render

    results = [
        PackageResult(PackageRef("npm", name, "1.0.0"), "pass", Scores(), ("net",), ())
        for name in ("a", "b\u2028<x>")
    ]
    purls = [r.ref.purl for r in results]
    report = Report(
        packages=results,
        errors=["b@1.0.0: not in the local cache (--offline)"],
        root="/project",
        lockfiles=["package-lock.json"],
        occurrences={purls[0]: [Occurrence("package-lock.json", 7, "a", direct=True)]},
        edges=[("", purls[0]), (purls[0], purls[1])],
        deep={purls[0]: DeepView({"net": purls}, 100, "pass")},
        notes=["package-lock.json: a note"],
    )
    whole = json.dumps(as_dict(report), indent=2, sort_keys=False, default=str) + "\n"
    assert render(report) == whole
    assert list(json.loads(whole)["project"]) == ["root", "lockfiles", "graph", "notes"]
    bare = Report(packages=results)
    assert render(bare) == json.dumps(as_dict(bare), indent=2, default=str) + "\n"
