"""Memory stays bounded: big members are skipped unread, read members come one at a time."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from depshield.artifacts.archive import open_artifact
from depshield.artifacts.base import Limits

if TYPE_CHECKING:
    from conftest import Builder

MiB = 1 << 20


def peak_while_reading(path: Path, limits: Limits) -> int:
    """The peak of Python allocations while a consumer reads and drops every member."""
    tracemalloc.start()
    try:
        for _ in open_artifact(path, limits):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind", ["tgz", "tar", "whl"])
def test_member_over_the_file_limit_is_never_held_in_memory(build: Builder, kind: str) -> None:
    entries = [("package/big.so", os.urandom(8 * MiB)), ("package/a.js", b"a")]
    if kind == "whl":
        path = build.zip("demo.whl", entries)
    else:
        path = build.tar(f"demo.{kind}", entries, "w:gz" if kind == "tgz" else "w:")
    assert peak_while_reading(path, Limits(max_file_bytes=MiB)) < 2 * MiB


def test_members_read_are_held_one_at_a_time(build: Builder) -> None:
    path = build.tar("demo.tgz", [(f"package/{i}.bin", os.urandom(MiB)) for i in range(16)])
    # A few copies of one member (tarfile's buffers, the consumer's previous item), not 16.
    assert peak_while_reading(path, Limits()) < 6 * MiB
