"""The release files a Python lock names (name, hash, size), which the scan chooses among."""

from __future__ import annotations

from pathlib import Path

import pytest

from depshield.lockfiles.base import LockedPackage, LockfileParser
from depshield.lockfiles.pdm import PdmLockParser
from depshield.lockfiles.pipfile import PipfileLockParser
from depshield.lockfiles.poetry import PoetryLockParser
from depshield.lockfiles.pycommon import locked_files
from depshield.lockfiles.pylock import PylockParser
from depshield.lockfiles.uv import UvLockParser

REAL = Path(__file__).parent.parent / "fixtures" / "lockfiles" / "python" / "real"
SDIST_SHA = "f3a3570c4a2a16746ac2c31a7c7c7b0c186b95ce902e33db6f28094ed7387dda"
WHEEL = "numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl"
WHEEL_SHA = "89cd468399cfd2504718f0ba50e410dca55a170b61a02ad92bb18c8a65186e93"
# lock, parser, whether it records sizes, whether it names the sdist (pdm locked wheels only)
NAMED = [
    ("app.uv.lock", UvLockParser(), True, True),
    ("app.pylock.toml", PylockParser(), True, True),
    ("app.poetry.lock", PoetryLockParser(), False, True),
    ("app.pdm.lock", PdmLockParser(), False, False),
]


def numpy(lock: str, parser: LockfileParser) -> LockedPackage:
    path = REAL / lock
    packages = parser.parse(path, path.read_text()).packages
    return next(p for p in packages if p.key == "numpy@2.4.6")


@pytest.mark.parametrize(("lock", "parser", "sizes", "sdist"), NAMED, ids=[c[0] for c in NAMED])
def test_each_file_with_its_name_and_hash(
    lock: str, parser: LockfileParser, sizes: bool, sdist: bool
) -> None:
    files = {f.name: f for f in numpy(lock, parser).files}
    assert len(files) == 71 + sdist
    assert files[WHEEL].hashes == (f"sha256:{WHEEL_SHA}",)
    # uv and pylock record sizes (the scan downloads the largest first); the others do not.
    assert files[WHEEL].size == (16918164 if sizes else None)
    if sdist:
        assert files["numpy-2.4.6.tar.gz"].hashes == (f"sha256:{SDIST_SHA}",)


def test_a_lock_of_hashes_only_names_no_files() -> None:
    package = numpy("app.Pipfile.lock", PipfileLockParser())
    assert package.hashes
    assert package.files == ()


def test_names_come_from_file_name_or_url_and_bad_ones_are_dropped() -> None:
    files = locked_files(
        [
            {"file": "a-1.0.tar.gz", "hash": "sha256:aa"},
            {"url": "https://files.example.invalid/p/b-1.0-py3-none-any.whl", "hash": "sha256:bb"},
            {"name": "c-1.0.zip", "hashes": {"sha256": "cc", "md5": "dd"}, "size": 7},
            {"url": "https://files.example.invalid/p/..", "hash": "sha256:ee"},
            {"file": "../escape.whl", "hash": "sha256:ff"},
            "not a table",
        ]
    )
    assert [(f.name, f.hashes, f.size) for f in files] == [
        ("a-1.0.tar.gz", ("sha256:aa",), None),
        ("b-1.0-py3-none-any.whl", ("sha256:bb",), None),
        ("c-1.0.zip", ("sha256:cc", "md5:dd"), 7),
    ]
