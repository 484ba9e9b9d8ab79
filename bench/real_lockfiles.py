"""Helpers for make_real_lockfiles.sh: package managers' own listings -> name@version, and hosts.

`expected MANAGER LISTING APP_DIR` prints the sorted `name@version` lines that a package
manager's own listing reports (the oracle the parser tests compare against); `sanitize SRC DST
HOST...` copies a lockfile with every `resolved`/`tarball` URL host replaced by a placeholder
under `.invalid`, so that no registry host lands in the repository.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

PLACEHOLDER = "registry.example.invalid"
_EXACT = re.compile(r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?$")
_RESOLVED_HOST = re.compile(r"""(?:resolved"?:?\s*"?|tarball:\s*)https?://([^/\s"']+)""")


class App:
    """The application a listing is of: its folder with package.json (and workspaces)."""

    def __init__(self, folder: Path, listing: Path) -> None:
        self.folder = folder
        self.listing = listing
        self.aliases = aliases(folder / "package.json")

    def workspace(self, path: str) -> str:
        """`name@version` of the workspace in folder `path` (bun lists `name@workspace:path`)."""
        data = json.loads((self.folder / path / "package.json").read_text())
        return f"{data['name']}@{data['version']}"


def aliases(manifest: Path) -> dict[str, str]:
    """alias -> real name for the manifest's `npm:` specs (listings print folder names)."""
    data = json.loads(manifest.read_text())
    found = {}
    for section in ("dependencies", "devDependencies", "optionalDependencies"):
        for name, spec in data.get(section, {}).items():
            if spec.startswith("npm:"):
                found[name] = spec[4:].rpartition("@")[0] or spec[4:]
    return found


def _npm(listing: str, app: App) -> Iterator[str]:
    """`npm query '*' --package-lock-only`: nodes with the real name; location "" is the root."""
    for node in json.loads(listing):
        if node["location"]:
            yield f"{node['name']}@{node['version']}"


def _pnpm(listing: str, app: App) -> Iterator[str]:
    """`pnpm list -r --depth Infinity --json`: every project (the first is the root) and its
    tree; `from` is the real name of an aliased dependency, `link:` ones are projects."""

    def walk(node: dict[str, Any]) -> Iterator[str]:
        for section in ("dependencies", "devDependencies", "optionalDependencies"):
            for name, child in node.get(section, {}).items():
                if not child["version"].startswith("link:"):
                    yield f"{child.get('from', name)}@{child['version']}"
                yield from walk(child)

    root = str(app.listing.resolve().parent)
    for project in json.loads(listing):
        if project["path"] != root:
            yield f"{project['name']}@{project['version']}"
        yield from walk(project)


def _yarn_classic(listing: str, app: App) -> Iterator[str]:
    """`yarn list --json`: tree nodes `name@version`; `name@range` nodes only point elsewhere."""

    def walk(trees: Iterable[dict[str, Any]]) -> Iterator[str]:
        for tree in trees:
            name, _, version = tree["name"].rpartition("@")
            if _EXACT.match(version):
                yield f"{app.aliases.get(name, name)}@{version}"
            yield from walk(tree.get("children", ()))

    for line in listing.splitlines():
        row = json.loads(line)
        if row.get("type") == "tree":
            yield from walk(row["data"]["trees"])


def _yarn_berry(listing: str, app: App) -> Iterator[str]:
    """`yarn info --all --recursive --json`: one locator per line; `workspace:.` is the root."""
    for line in listing.splitlines():
        row = json.loads(line)
        locator = row["value"]
        at = locator.find("@", 1)
        if not locator[at + 1 :].startswith("workspace:."):
            yield f"{locator[:at]}@{row['children']['Version']}"


def _bun(listing: str, app: App) -> Iterator[str]:
    """`bun pm ls --all`: a text tree of `name@version` under their folder names; workspaces
    are `name@workspace:path`, whose version is in their manifest."""
    for line in listing.splitlines():
        match = re.search(r"[├└]── (\S+)$", line)
        if match:
            name, _, version = match.group(1).rpartition("@")
            if version.startswith("workspace:"):
                yield app.workspace(version[len("workspace:") :])
            else:
                yield f"{app.aliases.get(name, name)}@{version}"


READERS = {
    "npm": _npm,
    "pnpm": _pnpm,
    "yarn-classic": _yarn_classic,
    "yarn-berry": _yarn_berry,
    "bun": _bun,
}


def sanitize(text: str, hosts: Iterable[str]) -> str:
    """`text` with the hosts of resolved URLs (and `hosts`) replaced by the placeholder."""
    given = {h for h in hosts if h}
    found = set(_RESOLVED_HOST.findall(text)) - {PLACEHOLDER}
    for host in sorted(found | given, key=len, reverse=True):
        text = text.replace(f"://{host}/", f"://{PLACEHOLDER}/")
    left = [h for h in found if f"://{h}" in text] + [h for h in given if h in text]
    if left:
        raise SystemExit(f"host still present after sanitizing: {left}")
    return text


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "expected":
        manager, listing, folder = args
        app = App(Path(folder), Path(listing))
        lines = sorted(set(READERS[manager](app.listing.read_text(), app)))
        sys.stdout.write("".join(f"{line}\n" for line in lines))
    elif command == "sanitize":
        source, target, *hosts = args
        Path(target).write_text(sanitize(Path(source).read_text(), hosts))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
