"""The PyPI JSON API client: project documents and verified sdist / wheel downloads."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any
from urllib.parse import quote, urljoin

import httpx

from depshield.artifacts.store import ArtifactStore, StoredArtifact
from depshield.ecosystems.base import FetchedArtifact
from depshield.ecosystems.pypi.choice import pick_by
from depshield.ecosystems.pypi.config import index_url, json_api_base
from depshield.errors import IntegrityError, NotFoundError, RegistryError, UsageError
from depshield.model import PackageRef
from depshield.net import (
    DEFAULT_RETRY,
    RetryPolicy,
    ensure_online,
    get_json,
    iter_limited,
    request,
    session,
)

MAX_FILE_BYTES = 512 * 1024 * 1024
ARTIFACT_CHOICES = ("default", "sdist", "wheel", "all", "install")
_NOT_FOUND_TIP = "check the name and version, and the index set by PIP_INDEX_URL or pip.conf"
_PURE_TAGS = ("py3-none-any", "py2.py3-none-any")


def project_url(base: str, name: str, version: str | None = None) -> str:
    from packaging.utils import canonicalize_name

    # The index redirects other spellings to the canonical name; asking for it saves a request.
    path = quote(canonicalize_name(name), safe="")
    if version:
        path += "/" + quote(version, safe="")
    return urljoin(base, path + "/json")


def get_project(
    name: str,
    version: str | None = None,
    *,
    client: httpx.Client | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    offline: bool | None = None,
) -> dict[str, Any]:
    """The JSON API document of a project (latest release) or of one release."""
    ensure_online(_label(name, version), offline)
    with session(client) as http:
        return _project(http, name, version, retry)[1]


def fetch(
    ref: PackageRef,
    *,
    artifact: str = "default",
    client: httpx.Client | None = None,
    store: ArtifactStore | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    offline: bool | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    only: Mapping[str, str] | None = None,
) -> list[FetchedArtifact]:
    """Download and verify the release's files chosen by `artifact`: "default" (the sdist, else
    a pure wheel, else any wheel), "sdist", "wheel" (one wheel, pure if any), "all", or "install"
    (the file an installer on this machine would take: choice.install_rank). `only`: a lock's
    files, sha256 hex digest -> file name ("" when unnamed): the only candidates."""
    if artifact not in ARTIFACT_CHOICES:
        raise UsageError(f"unknown artifact choice {artifact!r}", tip=f"use {ARTIFACT_CHOICES}")
    ensure_online(f"pypi:{ref.name}=={ref.version or 'latest'}", offline)
    store = store or ArtifactStore()
    with session(client) as http:
        url, doc = _project(http, ref.name, ref.version, retry)
        info = doc.get("info") or {}
        version = str(info.get("version") or ref.version or "")
        label = _label(ref.name, version)
        urls = doc.get("urls") or []
        files = select_files(_locked(urls, only, label) if only else urls, artifact, label)
        history = _history(http, ref.name, doc, retry) if ref.version else _entries(doc)
        resolved = PackageRef("pypi", ref.name, version or None)
        fetched = []
        for entry in files:
            file_url = urljoin(url, entry["url"])  # mirrors answer with relative URLs
            stored = _from_store(store, entry) or _download(
                http, file_url, entry, store, label=label, retry=retry, max_bytes=max_bytes
            )
            metadata = {
                **info,
                "_file": entry,
                # None when the index serves no such field (not "no advisories").
                "vulnerabilities": doc.get("vulnerabilities"),
                "yanked": bool(entry.get("yanked") or info.get("yanked")),
                "_history": history,
                "_integrity_verified": _sha256(entry) is not None,
            }
            kind = "sdist" if entry.get("packagetype") == "sdist" else "wheel"
            filename = entry["filename"]
            fetched.append(
                FetchedArtifact(resolved, stored.path, filename, stored.digest, kind, metadata)
            )
    return fetched


def select_files(urls: Sequence[Any], artifact: str, label: str) -> list[dict[str, Any]]:
    """Pick release files; entries without a safe filename or a url are ignored."""
    usable = [u for u in urls if isinstance(u, dict) and _usable(u)]
    sdists = sorted(
        (u for u in usable if u.get("packagetype") == "sdist"),
        key=lambda u: (not u["filename"].endswith(".tar.gz"), u["filename"]),
    )
    wheels = sorted(
        (u for u in usable if u["filename"].endswith(".whl")),
        key=lambda u: (not _is_pure(u["filename"]), _platform_rank(u["filename"]), u["filename"]),
    )
    installed = pick_by([*sdists, *wheels], lambda u: u["filename"])
    chosen = {
        "install": [installed] if installed else [],
        "default": (sdists or wheels)[:1],
        "sdist": sdists[:1],
        "wheel": wheels[:1],
        "all": sdists + wheels,
    }[artifact]
    if not chosen:
        wanted = "files" if artifact in ("default", "all", "install") else f"{artifact} file"
        raise NotFoundError(f"{label} has no {wanted} to download", tip=_NOT_FOUND_TIP)
    return chosen


def _locked(urls: Sequence[Any], only: Mapping[str, str], label: str) -> list[dict[str, Any]]:
    """The release files the lock names by sha256. A file the lock names with another digest
    than the index's is refused: an index never replaces a published file's bytes."""
    named = {name: digest for digest, name in only.items() if name}
    kept = []
    for entry in urls:
        digest = _sha256(entry) if isinstance(entry, dict) else None
        if digest is not None and digest in only:
            kept.append(entry)
        elif digest is not None and entry.get("filename") in named:
            raise IntegrityError(
                f"{label} file {entry['filename']!r} has another sha256 at the index than in "
                "the lockfile",
                tip="the index serves other bytes than when the lock was made; do not install",
            )
    if not kept:
        raise NotFoundError(
            f"{label} has none of the files the lockfile names (by sha256)",
            tip="the index serves other files than the lock was made from; check the index",
        )
    return kept


def _project(
    http: httpx.Client, name: str, version: str | None, retry: RetryPolicy
) -> tuple[str, dict[str, Any]]:
    base = json_api_base(index_url())
    url = project_url(base, name, version)
    what = _label(name, version)
    # Messages name the host only, never the URL: index URLs may carry credentials.
    try:
        doc = get_json(http, url, what=what, retry=retry, tip=_NOT_FOUND_TIP)
    except NotFoundError as missing:
        if version is None:
            raise
        # Some mirrors serve only the project document; its `releases` has every version.
        try:
            url, doc = _release_from_project(http, base, name, version, retry)
        except NotFoundError:
            raise missing from None
    if not isinstance(doc, dict) or not isinstance(doc.get("info"), dict):
        raise RegistryError(f"the index answered {what} with a document that is no project")
    return url, doc


def _release_from_project(
    http: httpx.Client, base: str, name: str, version: str, retry: RetryPolicy
) -> tuple[str, dict[str, Any]]:
    url = project_url(base, name, None)
    doc = get_json(http, url, what=_label(name, None), retry=retry, tip=_NOT_FOUND_TIP)
    releases = doc.get("releases") if isinstance(doc, dict) else None
    if not isinstance(releases, dict) or version not in releases:
        raise NotFoundError(f"pypi package {name!r} has no release {version!r}")
    info = {**(doc.get("info") or {}), "version": version, "_info_of_latest": True}
    return url, {
        "info": info,
        "urls": releases[version],
        "releases": releases,
        "vulnerabilities": None,  # the project document's field is about another release
    }


def _history(
    http: httpx.Client, name: str, doc: Mapping[str, Any], retry: RetryPolicy
) -> list[dict[str, Any]]:
    """Per release: first upload time, file count, yanked. A release's own document has no
    `releases`, so the project document is asked for; without it the history is empty."""
    if isinstance(doc.get("releases"), dict):
        return _entries(doc)
    try:
        return _entries(_project(http, name, None, retry)[1])
    except RegistryError:
        return []  # the history signals then say they could not be checked


def _entries(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    from depshield.ecosystems.pypi.history import pypi_entry

    releases = doc.get("releases")
    if not isinstance(releases, dict):
        return []
    return [pypi_entry(v, files) for v, files in releases.items()]


def _label(name: str, version: str | None) -> str:
    return f"pypi package {name!r}" + (f" version {version!r}" if version else "")


def _usable(entry: Mapping[str, Any]) -> bool:
    filename, url = entry.get("filename"), entry.get("url")
    return (
        isinstance(filename, str)
        and isinstance(url, str)
        and bool(re.fullmatch(r"[\w.+!-]+", filename))
        and filename not in (".", "..")
    )


def _is_pure(filename: str) -> bool:
    return filename.removesuffix(".whl").endswith(_PURE_TAGS)


def _platform_rank(filename: str) -> int:
    """Among platform wheels, prefer the one pip would install on this machine."""
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    try:
        tags = parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return len(_machine_tags())
    return min((_machine_tags().get(tag, len(_machine_tags())) for tag in tags), default=0)


@cache
def _machine_tags() -> dict[Any, int]:
    from packaging.tags import sys_tags

    return {tag: rank for rank, tag in enumerate(sys_tags())}


def _sha256(entry: Mapping[str, Any]) -> str | None:
    digests = entry.get("digests")
    value = digests.get("sha256") if isinstance(digests, dict) else None
    return (
        value.lower()
        if isinstance(value, str) and re.fullmatch(r"[0-9a-fA-F]{64}", value)
        else None
    )


def _from_store(store: ArtifactStore, entry: Mapping[str, Any]) -> StoredArtifact | None:
    # The index promises a sha256, which is the store's own address: no alias needed.
    expected = _sha256(entry)
    path = store.get(expected) if expected else None
    if expected is None or path is None:
        return None
    return StoredArtifact("sha256-" + expected, path, path.stat().st_size, {})


def _download(
    http: httpx.Client,
    url: str,
    entry: Mapping[str, Any],
    store: ArtifactStore,
    *,
    label: str,
    retry: RetryPolicy,
    max_bytes: int,
) -> StoredArtifact:
    expected = _sha256(entry)
    what = f"{label} file {entry['filename']!r}"

    def verify(hashes: Mapping[str, bytes]) -> None:
        if expected is not None and hashes["sha256"] != bytes.fromhex(expected):
            raise IntegrityError(
                f"{what} does not match its sha256 digest",
                tip="the index or a proxy served other bytes than it published; do not use it",
            )

    def save(response: httpx.Response) -> StoredArtifact:
        return store.put_stream(iter_limited(response, max_bytes, what=what), verify=verify)

    return request(http, url, save, what=what, retry=retry)
