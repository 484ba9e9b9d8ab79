"""Loopback registries for the guard tests: npm packuments and tarballs, a PEP 503 simple index
with the JSON API depshield reads, all built here from the inert fixtures in fixtures/guard."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.packages import FIXTURES, folder_files, make_sdist, make_wheel
from support.registry_server import RegistryServer, make_tgz, sri

PUBLISHED = "2020-01-01T00:00:00.000Z"  # old enough for every recent-publication rule


class HeadRegistryServer(RegistryServer):
    """The shared loopback server plus HEAD (uv asks for headers before it downloads)."""

    def _handler_class(self) -> Any:
        base = super()._handler_class()
        server = self

        class Handler(base):  # type: ignore[misc, valid-type]
            def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
                reply = server._next(self.path)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()

        return Handler


class NpmRegistry:
    """Packuments at /NAME and tarballs at /NAME/-/NAME-VERSION.tgz."""

    def __init__(self, server: RegistryServer) -> None:
        self.server = server
        self.url = server.url
        self.docs: dict[str, dict[str, Any]] = {}

    def publish_fixture(self, folder: str, **manifest: Any) -> None:
        files = folder_files(FIXTURES / "npm" / folder)
        data = {**json.loads(files["package.json"]), **manifest}
        files["package.json"] = json.dumps(data, indent=2).encode()
        self.publish(data, files)

    def publish(self, manifest: Mapping[str, Any], files: Mapping[str, bytes]) -> None:
        name, version = str(manifest["name"]), str(manifest["version"])
        tgz = make_tgz({**files, "package.json": json.dumps(manifest).encode()})
        tarball = f"{self.url}{name}/-/{name}-{version}.tgz"
        doc = self.docs.setdefault(
            name, {"name": name, "versions": {}, "time": {"created": PUBLISHED}}
        )
        doc["versions"][version] = {
            **manifest,
            "_npmUser": {"name": "maintainer", "email": "maintainer@example.invalid"},
            "maintainers": [{"name": "maintainer", "email": "maintainer@example.invalid"}],
            "dist": {
                "tarball": tarball,
                "integrity": sri(tgz),
                "shasum": hashlib.sha1(tgz).hexdigest(),
            },
        }
        doc["time"][version] = PUBLISHED
        doc["time"]["modified"] = PUBLISHED
        doc["dist-tags"] = {"latest": version}
        doc["maintainers"] = [{"name": "maintainer", "email": "maintainer@example.invalid"}]
        self.server.json(f"/{name}", doc)
        self.server.bytes(f"/{name}/-/{name}-{version}.tgz", tgz)


class PypiIndex:
    """/simple/NAME/ (PEP 503), /files/FILE, and /pypi/NAME[/VERSION]/json."""

    def __init__(self, server: RegistryServer) -> None:
        self.server = server
        self.simple = f"{server.url}simple/"
        self.files: dict[str, list[dict[str, Any]]] = {}
        self.requires: dict[tuple[str, str], list[str]] = {}

    def publish_wheel(self, name: str, version: str, folder: str, requires: list[str]) -> None:
        files = folder_files(FIXTURES / "pypi" / folder)
        files = {(k if k.endswith(".pth") else f"{folder}/{k}"): v for k, v in files.items()}
        wheel = make_wheel(name, version, files, requires)
        self.requires[(name, version)] = requires
        self._add(name, version, f"{name.replace('-', '_')}-{version}-py3-none-any.whl", wheel)

    def publish_sdist(self, name: str, version: str, folder: str) -> None:
        data = make_sdist(name, version, folder_files(FIXTURES / "pypi" / folder))
        self._add(name, version, f"{name.replace('-', '_')}-{version}.tar.gz", data)

    def _add(self, name: str, version: str, filename: str, data: bytes) -> None:
        digest = hashlib.sha256(data).hexdigest()
        self.server.bytes(f"/files/{filename}", data)
        entry = {
            "filename": filename,
            "url": f"{self.server.url}files/{filename}",
            "digests": {"sha256": digest},
            "packagetype": "bdist_wheel" if filename.endswith(".whl") else "sdist",
            "upload_time_iso_8601": PUBLISHED,
            "yanked": False,
            "_version": version,
        }
        self.files.setdefault(name, []).append(entry)
        self._routes(name)

    def _routes(self, name: str) -> None:
        entries = self.files[name]
        links = "".join(
            f'<a href="/files/{e["filename"]}#sha256={e["digests"]["sha256"]}">'
            f"{e['filename']}</a>\n"
            for e in entries
        )
        html = f"<!DOCTYPE html><html><body>\n{links}</body></html>\n".encode()
        from support.registry_server import Reply

        self.server.route(f"/simple/{name}/", Reply(200, html, {"Content-Type": "text/html"}))
        releases: dict[str, list[dict[str, Any]]] = {}
        for entry in entries:
            releases.setdefault(entry["_version"], []).append(entry)
        for version, files in releases.items():
            info = {"name": name, "version": version, "license": "MIT"}
            info["author"] = "Example Maintainer"
            info["requires_dist"] = self.requires.get((name, version)) or None
            doc = {"info": info, "urls": files, "releases": releases, "vulnerabilities": []}
            self.server.json(f"/pypi/{name}/{version}/json", doc)
        latest = max(releases)
        project = {"info": {"name": name, "version": latest}, "urls": releases[latest]}
        self.server.json(f"/pypi/{name}/json", {**project, "releases": releases})


@dataclass
class Env:
    vars: dict[str, str]
    marker: Path
    tmp: Path

    def run(self, *args: str, cwd: Path, extra: dict[str, str] | None = None) -> Any:
        """`depshield ARGS` in `cwd`, with no terminal (as in CI)."""
        return subprocess.run(
            [sys.executable, "-m", "depshield.cli.main", *args],
            cwd=cwd,
            env={**self.vars, **(extra or {})},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))
