"""Building npm projects for pull-request tests: fixture packages served by the loopback
registry, and package-lock.json (v3) files that pin them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support.registry_server import RegistryServer, make_tgz, sri

ROOT = Path(__file__).resolve().parent.parent
# Inert: it posts to a .invalid host.
STEALER = ROOT.parent / "examples" / "demo-app" / "npm-credential-stealer"


def benign_files(name: str, version: str, **manifest: Any) -> dict[str, bytes]:
    package = {"name": name, "version": version, "main": "index.js", "license": "MIT", **manifest}
    return {
        "package.json": json.dumps(package, indent=2).encode(),
        "index.js": b"module.exports = function pad(s, n) { return String(s).padStart(n); };\n",
    }


def stealer_files(name: str, version: str) -> dict[str, bytes]:
    package = json.loads((STEALER / "package.json").read_text())
    package.update(name=name, version=version)
    return {
        "package.json": json.dumps(package, indent=2).encode(),
        "index.js": (STEALER / "index.js").read_bytes(),
        "collect.js": (STEALER / "collect.js").read_bytes(),
    }


@dataclass
class Published:
    name: str
    version: str
    tarball: str
    integrity: str


@dataclass
class FixtureRegistry:
    """Packuments and tarballs on the loopback server under /npm/."""

    server: RegistryServer
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url + "npm/"

    def publish(self, name: str, version: str, files: dict[str, bytes]) -> Published:
        tgz = make_tgz(files)
        path = f"/npm/{name}/-/{name.split('/')[-1]}-{version}.tgz"
        self.server.bytes(path, tgz)
        manifest = json.loads(files["package.json"])
        tarball = self.server.url + path.lstrip("/")
        doc = self.docs.setdefault(name, {"name": name, "dist-tags": {}, "versions": {}})
        doc["versions"][version] = {
            **manifest,
            "_npmUser": {"name": "fixture-publisher"},
            "dist": {"tarball": tarball, "integrity": sri(tgz)},
        }
        doc["dist-tags"]["latest"] = version
        self.server.json("/npm/" + name.replace("/", "%2f"), doc)
        return Published(name, version, tarball, sri(tgz))

    def fetched(self, name: str) -> bool:
        """Whether anything of this package (packument or tarball) was requested."""
        return any(
            p.startswith(f"/npm/{name}/") or p == f"/npm/{name}" for p in self.server.paths()
        )


def package_lock(packages: list[Published], *, dev: tuple[str, ...] = ()) -> str:
    """A v3 lockfile with every package installed at the top level and listed as direct."""
    root: dict[str, Any] = {"name": "app", "version": "1.0.0"}
    deps = {p.name: p.version for p in packages if p.name not in dev}
    dev_deps = {p.name: p.version for p in packages if p.name in dev}
    if deps:
        root["dependencies"] = deps
    if dev_deps:
        root["devDependencies"] = dev_deps
    entries: dict[str, Any] = {"": root}
    for p in packages:
        entry: dict[str, Any] = {
            "version": p.version,
            "resolved": p.tarball,
            "integrity": p.integrity,
        }
        if p.name in dev:
            entry["dev"] = True
        entries[f"node_modules/{p.name}"] = entry
    doc = {"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": True}
    return json.dumps({**doc, "packages": entries}, indent=2) + "\n"


def package_json(packages: list[Published]) -> str:
    deps = {p.name: p.version for p in packages}
    return json.dumps({"name": "app", "version": "1.0.0", "dependencies": deps}, indent=2) + "\n"
