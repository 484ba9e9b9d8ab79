"""pnpm package keys: a registry host in front (v5, v6) and malformed keys (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from depshield.lockfiles.base import ROOT, LockfileError
from depshield.lockfiles.pnpm import PnpmLockParser

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lockfiles" / "npm"


@pytest.mark.parametrize(
    "fixture", ["pnpm-v5-registry-host-keys.yaml", "pnpm-v6-registry-host-keys.yaml"]
)
def test_registry_host_in_key_is_not_part_of_the_name(fixture: str) -> None:
    path = FIXTURES / fixture
    lockfile = PnpmLockParser().parse(path.with_name("pnpm-lock.yaml"), path.read_text())
    packages = [package for package in lockfile.packages if package.key != ROOT]
    assert [(package.name, package.version) for package in packages] == [("foo", "1.1.0")]


def test_malformed_key_is_an_error_naming_file_and_line() -> None:
    path = FIXTURES / "pnpm-v5-malformed-key.yaml"
    with pytest.raises(LockfileError) as caught:
        PnpmLockParser().parse(path, path.read_text())
    assert caught.value.line == 5
    assert "malformed package key '/foo'" in str(caught.value)
