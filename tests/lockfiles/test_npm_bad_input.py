"""Bad npm-family lockfiles: a LockfileError naming the file and line, with a tip; never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depshield.lockfiles.base import LockfileError, LockfileParser
from depshield.lockfiles.bun import BunLockParser
from depshield.lockfiles.npm_lock import NpmLockParser
from depshield.lockfiles.package_json import PackageJsonParser
from depshield.lockfiles.parsers import parsers
from depshield.lockfiles.pnpm import PnpmLockParser
from depshield.lockfiles.yarn import YarnLockParser

BAD = Path(__file__).parent.parent / "fixtures" / "lockfiles" / "npm" / "bad"
LOCK, YARN, PNPM, BUN = NpmLockParser(), YarnLockParser(), PnpmLockParser(), BunLockParser()


@pytest.mark.parametrize(
    ("parser", "name", "line", "words"),
    [
        (LOCK, "bad-json.v3.json", 7, "invalid JSON: expecting ',' delimiter"),
        (LOCK, "unknown-version.v9.json", 3, "unsupported lockfileVersion 9"),
        (LOCK, "wrong-shape.v3.json", 5, "entry 'node_modules/a' is not an object"),
        (YARN, "merge-conflict.yarn.lock", 5, "invalid yarn.lock: merge-conflict marker"),
        (YARN, "bad-indent.yarn.lock", 5, "invalid yarn.lock: unexpected indentation"),
        (YARN, "bad-berry.yarn.lock", 9, "invalid YAML: found unexpected end of stream"),
        (PNPM, "bad-yaml.pnpm.yaml", 7, "invalid YAML"),
        (PNPM, "unknown-version.pnpm.yaml", 1, "unsupported lockfileVersion '4.0'"),
        (BUN, "bad-jsonc.bun.lock", 6, "invalid JSON"),
        (BUN, "unknown-version.bun.lock", 2, "unsupported lockfileVersion 7"),
    ],
)
def test_bad_input_names_file_and_line(
    parser: LockfileParser, name: str, line: int, words: str
) -> None:
    path = BAD / name
    with pytest.raises(LockfileError) as caught:
        parser.parse(path, path.read_text())
    error = caught.value
    assert error.path == str(path) and error.line == line
    assert str(error).startswith(f"cannot parse {path}:{line}: ")
    assert words in str(error)
    assert error.tip


@pytest.mark.parametrize(
    ("parser", "name"), [(LOCK, "odd-values.v3.json"), (PNPM, "odd-shape.pnpm.yaml")]
)
def test_odd_shapes_never_crash(parser: LockfileParser, name: str) -> None:
    path = BAD / name
    try:
        lockfile = parser.parse(path, path.read_text())
    except LockfileError as error:
        assert str(path) in str(error)
    else:
        assert all(isinstance(p.version, str) for p in lockfile.packages)


def test_registry_lists_every_npm_parser_once() -> None:
    names = [p.name for p in parsers() if p.ecosystem == "npm"]
    assert names[:5] == ["package-lock", "yarn.lock", "pnpm-lock", "bun.lock", "package.json"]
    assert parsers() is parsers()  # built once


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([LOCK, YARN, PNPM, BUN, PackageJsonParser()]),
    st.dictionaries(
        st.sampled_from(
            [
                "lockfileVersion",
                "packages",
                "dependencies",
                "importers",
                "snapshots",
                "workspaces",
                "__metadata",
                "",
                "node_modules/a",
                "a@1.0.0",
            ]  # fmt: skip
        ),
        _JSONISH,
        max_size=5,
    ),
    st.sampled_from([1, 2, 3, "5.4", "6.0", "9.0", 0]),
)
def test_any_json_shape_gives_a_lockfile_or_a_lockfile_error(
    parser: LockfileParser, data: dict[str, object], version: object
) -> None:
    import json

    data = {"lockfileVersion": version, **data}
    if isinstance(parser, YarnLockParser):
        data["__metadata"] = {"version": 8}
    name = {LOCK: "package-lock.json", YARN: "yarn.lock", PNPM: "pnpm-lock.yaml"}.get(
        parser, "bun.lock" if parser is BUN else "package.json"
    )
    try:
        lockfile = parser.parse(Path(name), json.dumps(data))  # JSON is YAML too
    except LockfileError as error:
        assert error.path == name
    else:
        assert lockfile.ecosystem == "npm"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(' \n"#:,@^abc1.-\t')), max_size=120))
def test_any_text_is_a_yarn_classic_lockfile_or_an_error(text: str) -> None:
    try:
        YarnLockParser().parse(Path("yarn.lock"), text)
    except LockfileError as error:
        assert error.path == "yarn.lock"
