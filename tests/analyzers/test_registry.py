"""The lazy analyzer table matches the analyzers it stands in for."""

from __future__ import annotations

import importlib

from depshield.analyzers.registry import TABLE, analyzers


def test_table_versions_and_names_match_the_classes() -> None:
    for entry in TABLE:
        real = getattr(importlib.import_module(entry.module), entry.cls)()
        assert (real.name, real.version) == (entry.name, entry.version), entry.module


def test_prefilter_never_hides_a_file_the_analyzer_wants() -> None:
    paths = [
        "a.js",
        "b.mjs",
        "c.d.ts",
        "x.tsx",
        "setup.py",
        "p.pth",
        "lib.so",
        "README.md",
        "data.json",
        "run.sh",
        "package.json",
        "m.PY",
    ]
    for lazy in analyzers():
        real = lazy.real  # type: ignore[attr-defined]
        assert [p for p in paths if lazy.wants(p)] == [p for p in paths if real.wants(p)]
