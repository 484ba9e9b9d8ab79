"""Real lockfiles written by npm, yarn 1 and 4, pnpm 7-9 and bun (bench/make_real_lockfiles.sh).

Each one must give exactly the name@version set that its own package manager lists. The
monorepo's workspace manifests sit in real/packages/, beside the lockfiles, where the parsers
look for them (yarn 1 and pnpm record no workspace names or versions).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from depshield.lockfiles.base import Lockfile, LockfileParser
from depshield.lockfiles.bun import BunLockParser
from depshield.lockfiles.graph import introduced_by
from depshield.lockfiles.npm_lock import NpmLockParser
from depshield.lockfiles.pnpm import PnpmLockParser
from depshield.lockfiles.yarn import YarnLockParser

REAL = Path(__file__).parent.parent / "fixtures" / "lockfiles" / "npm" / "real"
CASES = [
    ("big.package-lock.v3.json", NpmLockParser(), "package-lock@3"),
    ("big.yarn-classic.yarn.lock", YarnLockParser(), "yarn@1"),
    ("big.yarn-berry.yarn.lock", YarnLockParser(), "yarn@berry"),
    ("big.pnpm-v9.yaml", PnpmLockParser(), "pnpm@9"),
    ("big.bun.lock", BunLockParser(), "bun@2"),
    ("small.package-lock.v3.json", NpmLockParser(), "package-lock@3"),
    ("small.yarn-classic.yarn.lock", YarnLockParser(), "yarn@1"),
    ("small.yarn-berry.yarn.lock", YarnLockParser(), "yarn@berry"),
    ("small.pnpm-v9.yaml", PnpmLockParser(), "pnpm@9"),
    ("small.pnpm-v6.yaml", PnpmLockParser(), "pnpm@6"),
    ("small.pnpm-v5.yaml", PnpmLockParser(), "pnpm@5"),
    ("small.bun.lock", BunLockParser(), "bun@2"),
    ("monorepo.package-lock.v3.json", NpmLockParser(), "package-lock@3"),
    ("monorepo.yarn-classic.yarn.lock", YarnLockParser(), "yarn@1"),
    ("monorepo.yarn-berry.yarn.lock", YarnLockParser(), "yarn@berry"),
    ("monorepo.pnpm-v9.yaml", PnpmLockParser(), "pnpm@9"),
    ("monorepo.bun.lock", BunLockParser(), "bun@2"),
]
_CACHE: dict[str, Lockfile] = {}


def parse(name: str, parser: LockfileParser) -> Lockfile:
    if name not in _CACHE:
        path = REAL / name
        manifest = (REAL / f"{name.split('.')[0]}.package.json").read_text()
        with_manifest = getattr(parser, "parse_with_manifest", None)
        text = path.read_text()
        _CACHE[name] = (
            with_manifest(path, text, manifest) if with_manifest else parser.parse(path, text)
        )
    return _CACHE[name]


@pytest.mark.parametrize(("name", "parser", "fmt"), CASES)
def test_same_packages_as_the_package_manager_lists(
    name: str, parser: LockfileParser, fmt: str
) -> None:
    lockfile = parse(name, parser)
    expected = set((REAL / f"{name}.expected.txt").read_text().split())
    assert lockfile.format == fmt
    assert {p.key for p in lockfile.packages} == expected
    assert len(lockfile.packages) == len(expected)  # no duplicate keys


@pytest.mark.parametrize(("name", "parser", "fmt"), CASES)
def test_every_package_is_reachable_from_the_project_at_its_line(
    name: str, parser: LockfileParser, fmt: str
) -> None:
    lockfile = parse(name, parser)
    paths = introduced_by(lockfile)
    lines = (REAL / name).read_text().splitlines()
    for package in lockfile.packages:
        assert package.key in paths, package.key
        if package.source == "workspace" and fmt in ("yarn@1", "pnpm@9"):
            assert package.line == 0  # no entry for a workspace: its manifest names it
            continue
        assert package.line > 0
        # The entry's line names the package (an alias entry names the alias and the package).
        assert package.name.rpartition("/")[2] in lines[package.line - 1], package.key


@pytest.mark.parametrize(("name", "parser", "fmt"), [c for c in CASES if c[0].startswith("small")])
def test_small_app_alias_peer_optional_and_dev(name: str, parser: LockfileParser, fmt: str) -> None:
    lockfile = parse(name, parser)
    packages = {p.key: p for p in lockfile.packages}
    paths = introduced_by(lockfile)
    # "string-width-cjs": "npm:string-width@^4.2.0" is analysed as string-width.
    assert packages["string-width@4.2.3"].direct
    assert not any(p.name == "string-width-cjs" for p in lockfile.packages)
    assert packages["fsevents@2.3.3"].optional and packages["fsevents@2.3.3"].direct
    assert packages["eslint@8.57.1"].dev and packages["eslint@8.57.1"].direct
    assert not packages["express@4.22.3"].dev
    qs = next(p for p in lockfile.packages if p.name == "qs")
    assert paths[qs.key].startswith("express > ")
    if "react@18.3.1" in packages:  # yarn 1 and pnpm 7 leave peers to the project
        assert paths["react@18.3.1"] == "react-dom > react"
    assert {p.source for p in lockfile.packages} == {"registry"}
    assert all(p.hashes for p in lockfile.packages)


@pytest.mark.parametrize(("name", "parser", "fmt"), [c for c in CASES if "monorepo" in c[0]])
def test_monorepo_workspaces(name: str, parser: LockfileParser, fmt: str) -> None:
    lockfile = parse(name, parser)
    packages = {p.key: p for p in lockfile.packages}
    app, util = packages["@lockbench/app@2.0.0"], packages["@lockbench/util@1.0.0"]
    assert app.source == util.source == "workspace"
    assert app.direct and util.direct
    edges = set(lockfile.edges)
    assert ("@lockbench/app@2.0.0", "@lockbench/util@1.0.0") in edges
    assert ("@lockbench/app@2.0.0", "chalk@4.1.2") in edges
    # util pins ms 2.0.0 while debug (at the root) takes ms 2.1.3: each gets its own.
    assert ("@lockbench/util@1.0.0", "ms@2.0.0") in edges
    assert ("debug@4.4.3", "ms@2.1.3") in edges
    assert ("debug@4.4.3", "ms@2.0.0") not in edges
    # A workspace's devDependencies are dev; the root's typescript too.
    assert packages["left-pad@1.3.0"].dev and packages["typescript@5.9.3"].dev
    assert not packages["chalk@4.1.2"].dev and not packages["ms@2.0.0"].dev
    paths = introduced_by(lockfile)
    assert paths["color-name@1.1.4"] == (
        "@lockbench/app > chalk > ansi-styles > color-convert > color-name"
    )
    assert paths["ms@2.1.3"] == "debug > ms"
