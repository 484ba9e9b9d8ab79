"""The analysis cache key follows the code that produced the cached result."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from depshield import code_digest
from depshield.analysis import cache_key

FIXTURES = Path(__file__).parent / "fixtures" / "incidents"


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pkg") / "depshield"
    shutil.copytree(code_digest.PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_changing_any_source_file_changes_the_digest(tree: Path) -> None:
    before = code_digest.compute(tree)
    files = code_digest.source_files(tree)
    assert len(files) > 50  # the globs still match the package layout
    for path in files:
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert code_digest.compute(tree) != before, path.relative_to(tree)
        path.write_bytes(original)
    assert code_digest.compute(tree) == before


def test_renaming_a_source_file_changes_the_digest(tree: Path) -> None:
    before = code_digest.compute(tree)
    source = tree / "analyzers" / "unicode.py"
    moved = tree / "analyzers" / "unicode_renamed.py"
    source.rename(moved)
    try:
        assert code_digest.compute(tree) != before
    finally:
        moved.rename(source)


def test_memoised_digest_equals_the_computed_one_and_follows_edits(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPSHIELD_HOME", str(tmp_path / "home"))
    code_digest.code_digest.cache_clear()
    first = code_digest.code_digest(tree)
    assert first == code_digest.compute(tree)
    assert list((tmp_path / "home" / "memo").glob("code-digest-*"))  # stored for the next process
    target = tree / "model.py"
    original = target.read_bytes()
    target.write_bytes(original + b"# changed\n")
    try:
        code_digest.code_digest.cache_clear()
        assert code_digest.code_digest(tree) != first
    finally:
        target.write_bytes(original)
        code_digest.code_digest.cache_clear()


def test_cache_key_carries_the_code_digest() -> None:
    assert cache_key("npm").endswith(code_digest.code_digest())
    assert cache_key("npm") != cache_key("pypi")


_LOADED = """
import json, sys
from pathlib import Path
from depshield.analysis import examine
for path, eco in json.loads(sys.argv[1]):
    examine(Path(path), eco)
print(json.dumps(sorted(m.__file__ for m in list(sys.modules.values())
                        if m.__name__.startswith("depshield") and getattr(m, "__file__", None))))
"""

# Modules examine() may load that cannot change what it returns (package markers, paths and
# memo plumbing). Anything else it loads must be in code_digest.SOURCES.
# policy.py is imported (by modules examine() shares with judging) for judging, after the cache.
_NEUTRAL = {"__init__.py", "home.py", "memo.py", "errors.py", "code_digest.py", "policy.py"}


def test_every_module_examine_loads_is_covered_by_the_digest(tmp_path: Path) -> None:
    """A new module that shapes the analysis but sits outside SOURCES fails here."""
    samples = [
        (str(FIXTURES / "npm-shai-hulud"), "npm"),
        (str(FIXTURES / "npm-flatmap-stream"), "npm"),
    ]
    samples += [(str(p), "pypi") for p in sorted(FIXTURES.glob("pypi-*"))[:3]]
    env = {**os.environ, "DEPSHIELD_HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", _LOADED, json.dumps(samples)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    covered = {p.resolve() for p in code_digest.source_files()}
    loaded = [Path(p).resolve() for p in json.loads(out)]
    missing = [
        p.relative_to(code_digest.PACKAGE).as_posix()
        for p in loaded
        if p not in covered and p.name not in _NEUTRAL
    ]
    assert len(loaded) > 20
    assert missing == []
