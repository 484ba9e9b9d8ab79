"""Inert packages built by hand from the folders in fixtures/guard: npm tarballs, wheels and
sdists, zipped and tarred as data. Nothing is built by a build backend and nothing is run."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "guard"


def folder_files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


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
