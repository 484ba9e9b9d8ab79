"""Loopback registries for the guard tests: npm packuments and tarballs, a PEP 503 simple index
with the JSON API depshield reads, all built here from the inert fixtures in fixtures/guard."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from support.registry_server import RegistryServer, make_tgz, sri

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "guard"
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


def folder_files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


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


def make_wheel(name: str, version: str, files: Mapping[str, bytes], requires: list[str]) -> bytes:
    """A wheel zipped by hand (METADATA, WHEEL, RECORD): nothing is built or run."""
    dist = f"{name.replace('-', '_')}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nLicense: MIT\n"
    meta += "Author: Example Maintainer\nSummary: A guard test fixture.\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    members = {
        **files,
        f"{dist}/METADATA": meta.encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = "".join(
        f"{path},sha256={_b64_sha256(data)},{len(data)}\n" for path, data in members.items()
    )
    members[f"{dist}/RECORD"] = (record + f"{dist}/RECORD,,\n").encode()
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in members.items():
            wheel.writestr(zipfile.ZipInfo(path, (2020, 1, 1, 0, 0, 0)), data)
    return raw.getvalue()


def make_sdist(name: str, version: str, files: Mapping[str, bytes]) -> bytes:
    root = f"{name.replace('-', '_')}-{version}"
    pkg_info = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for path, data in {**files, "PKG-INFO": pkg_info}.items():
            info = tarfile.TarInfo(f"{root}/{path}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return raw.getvalue()


def _b64_sha256(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


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
