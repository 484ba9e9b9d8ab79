"""Property tests: any input gives a Lockfile or a LockfileError, and pins round-trip."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import rtoml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depshield.lockfiles.base import LockfileError, LockfileParser
from depshield.lockfiles.pdm import PdmLockParser
from depshield.lockfiles.pipfile import PipfileLockParser
from depshield.lockfiles.poetry import PoetryLockParser
from depshield.lockfiles.pylock import PylockParser
from depshield.lockfiles.pyproject import PyprojectParser
from depshield.lockfiles.requirements import RequirementsParser
from depshield.lockfiles.uv import UvLockParser

KEYS = [
    "name",
    "version",
    "source",
    "dependencies",
    "files",
    "wheels",
    "sdist",
    "hash",
    "hashes",
    "groups",
    "git",
    "url",
    "path",
    "marker",
    "markers",
    "optional",
    "vcs",
    "archive",
    "directory",
    "commit-id",
    "type",
    "editable",
    "virtual",
    "registry",
    "dev-dependencies",
    "optional-dependencies",
    "category",
    "extras",
    "lock-version",
]
SCALARS = st.one_of(st.text(max_size=12), st.integers(), st.booleans(), st.just("1.0"))
VALUES: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=12,
)
ENTRY = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6)
TOML_PARSERS: list[tuple[str, str, LockfileParser]] = [
    ("uv.lock", "package", UvLockParser()),
    ("poetry.lock", "package", PoetryLockParser()),
    ("pdm.lock", "package", PdmLockParser()),
    ("pylock.toml", "packages", PylockParser()),
]
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.lists(ENTRY, max_size=4), st.sampled_from(range(len(TOML_PARSERS))))
def test_toml_locks_of_any_shape_never_raise_anything_else(
    entries: list[dict[str, Any]], which: int
) -> None:
    name, key, parser = TOML_PARSERS[which]
    text = rtoml.dumps({"lock-version": "1.0", key: entries})
    try:
        lockfile = parser.parse(Path("/nonexistent") / name, text)
    except LockfileError:
        return
    assert all(p.ecosystem == "pypi" for p in lockfile.packages)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["default", "develop", "_meta"]),
        st.dictionaries(st.text(max_size=8), VALUES, max_size=4),
        max_size=3,
    )
)
def test_pipfile_locks_of_any_shape_never_raise_anything_else(data: dict[str, Any]) -> None:
    with contextlib.suppress(LockfileError):
        PipfileLockParser().parse(Path("/nonexistent/Pipfile.lock"), json.dumps(data))


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["project", "dependency-groups", "tool"]),
        st.dictionaries(
            st.sampled_from(
                [
                    "dependencies",
                    "optional-dependencies",
                    "poetry",
                    "dev",
                    "group",
                    "extras",
                    "dev-dependencies",
                ]
            ),
            VALUES,
            max_size=3,
        ),
        max_size=3,
    )
)
def test_pyproject_of_any_shape_never_raises_anything_else(data: dict[str, Any]) -> None:
    with contextlib.suppress(LockfileError):
        PyprojectParser().parse(Path("/nonexistent/pyproject.toml"), rtoml.dumps(data))


LINE_PARTS = st.sampled_from(
    [
        "six==1.16.0",
        "-r",
        "-c",
        "-e",
        "--hash=sha256:00",
        "\\",
        "#",
        "# via six",
        "@",
        ";",
        "https://files.example.invalid/x-1.0.tar.gz",
        "git+https://git.example.invalid/r.git",
        "./pkg",
        ".",
        "'",
        '"',
        " ",
        "\n",
        "name",
        ">=1",
        "[extra]",
        "--index-url",
        "=",
        "python_version < '3'",
        "#egg=x",
    ]
)


@FUZZ
@given(st.lists(LINE_PARTS, max_size=20))
def test_requirements_text_of_any_shape_never_raises_anything_else(parts: list[str]) -> None:
    with contextlib.suppress(LockfileError):
        RequirementsParser().parse(Path("/nonexistent/requirements.txt"), " ".join(parts))


NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,6}([-_.][A-Za-z0-9]{1,4}){0,2}", fullmatch=True)
VERSIONS = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}", fullmatch=True)


@FUZZ
@given(st.lists(st.tuples(NAMES, VERSIONS, st.booleans()), min_size=1, max_size=8))
def test_pinned_requirements_round_trip_names_versions_and_lines(
    pins: list[tuple[str, str, bool]],
) -> None:
    lines: list[str] = []
    expected: dict[str, tuple[str, int]] = {}
    for name, version, hashed in pins:
        key = "-".join(name.replace("_", "-").replace(".", "-").lower().split("-"))
        if key in expected:
            continue
        expected[key] = (version, len(lines) + 1)
        lines.append(f"{name}=={version}" + (" \\" if hashed else ""))
        if hashed:
            lines.append("    --hash=sha256:" + "ab" * 32)
    lockfile = RequirementsParser().parse(Path("requirements.txt"), "\n".join(lines) + "\n")
    assert {p.name: (p.version, p.line) for p in lockfile.packages} == expected
