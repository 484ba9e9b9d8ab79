"""Read the encrypted malware corpus as data: list its samples and write one into a temp dir."""

from __future__ import annotations

import json
import posixpath
import re
import stat
import threading
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# The conventional password of malware zips; it only stops accidental opening, it is no secret.
PASSWORD = b"infected"
INDEX = "index.jsonl"
ARCHIVE_SUFFIXES = (".tgz", ".tar.gz", ".zip", ".whl")
# The largest sample is ~6 MB; these bounds only stop a corrupt or hostile zip filling the disk.
MAX_SAMPLE_BYTES = 256 * 1024 * 1024
MAX_SAMPLE_FILES = 20_000


class CorpusError(Exception):
    """The corpus zip, its index or one of its members cannot be used safely."""


@dataclass(frozen=True)
class Sample:
    """One malicious package of the corpus: its identity, flags and zip members."""

    zip_path: Path
    ecosystem: str
    name: str
    version: str
    path: str  # the sample's folder inside the zip, e.g. "npm/@scope/name@1.0.0"
    partial: bool
    reconstructed_from_git: bool
    note: str | None
    source_repo: str | None
    # (name inside the sample, raw zip member name); the raw name is what zipfile opens.
    members: tuple[tuple[str, str], ...]

    @property
    def id(self) -> str:
        return self.path

    @property
    def is_archive(self) -> bool:
        """True when the sample is one archive file rather than an unpacked tree."""
        return len(self.members) == 1 and self.members[0][0].lower().endswith(ARCHIVE_SUFFIXES)


def _member_name(info: zipfile.ZipInfo) -> str:
    # Zips written without the UTF-8 flag are decoded as cp437 by zipfile; the index was written
    # in UTF-8, so undo that to match names such as a homoglyph "requ\u0435sts".
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return info.filename


def _read_index(zf: zipfile.ZipFile) -> list[dict[str, object]]:
    try:
        text = zf.read(INDEX).decode("utf-8")
    except (KeyError, RuntimeError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise CorpusError(f"cannot read {INDEX!r} in {zf.filename!r}: {exc}") from exc
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [row for row in rows if isinstance(row, dict)]


def _group_members(zf: zipfile.ZipFile, paths: set[str]) -> dict[str, list[tuple[str, str]]]:
    """Map each sample folder to its file members; scoped npm folders have three segments."""
    groups: dict[str, list[tuple[str, str]]] = {p: [] for p in paths}
    for info in zf.infolist():
        if info.is_dir() or info.filename == INDEX:
            continue
        name = _member_name(info)
        parts = name.split("/")
        for depth in (2, 3):
            prefix = "/".join(parts[:depth])
            if prefix in groups and len(parts) > depth:
                groups[prefix].append((name[len(prefix) + 1 :], info.filename))
                break
    return groups


def iter_malware(zip_path: str | Path, ecosystem: str | None = None) -> Iterator[Sample]:
    """Yield the corpus samples listed in the zip's index, optionally of one ecosystem only."""
    zip_path = Path(zip_path)
    try:
        zf = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise CorpusError(f"cannot open corpus {str(zip_path)!r}: {exc}") from exc
    with zf:
        zf.setpassword(PASSWORD)
        rows = _read_index(zf)
        groups = _group_members(zf, {str(r["path"]) for r in rows})
    for row in rows:
        if ecosystem is not None and row.get("ecosystem") != ecosystem:
            continue
        note = row.get("note")
        repo = row.get("source_repo")
        yield Sample(
            zip_path=zip_path,
            ecosystem=str(row["ecosystem"]),
            name=str(row["name"]),
            version=str(row["version"]),
            path=str(row["path"]),
            partial=bool(row.get("partial", False)),
            reconstructed_from_git=bool(row.get("reconstructed_from_git", False)),
            note=note if isinstance(note, str) else None,
            source_repo=repo if isinstance(repo, str) else None,
            members=tuple(sorted(groups[str(row["path"])])),
        )


def _safe_relpath(name: str) -> str:
    """Return `name` as a relative POSIX path, refusing anything that could leave the tmpdir."""
    if not name or "\x00" in name or "\\" in name or name.startswith("/"):
        raise CorpusError(f"refusing unsafe member path {name!r}")
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts) or ":" in parts[0]:
        raise CorpusError(f"refusing unsafe member path {name!r}")
    return posixpath.join(*parts)


def _check_member(info: zipfile.ZipInfo) -> None:
    # Unix-made zips keep the file type in the high bits; refuse links, devices and fifos.
    kind = stat.S_IFMT(info.external_attr >> 16)
    if info.create_system == 3 and kind not in (0, stat.S_IFREG):
        raise CorpusError(f"refusing non-regular member {info.filename!r}")


_READ_LOCK = threading.Lock()


@lru_cache(maxsize=4)
def _open_zip(zip_path: Path) -> zipfile.ZipFile:
    # Parsing the central directory of ~13k members costs ~60 ms: keep the zip open across samples.
    zf = zipfile.ZipFile(zip_path)
    zf.setpassword(PASSWORD)
    return zf


def read_files(sample: Sample) -> Iterator[tuple[str, bytes]]:
    """Yield (path inside the sample, bytes) for each file of the sample, read from the zip."""
    if len(sample.members) > MAX_SAMPLE_FILES:
        raise CorpusError(f"sample {sample.path!r} has more files than the limit")
    zf = _open_zip(sample.zip_path)
    total = 0
    for rel, raw in sample.members:
        info = zf.getinfo(raw)
        _check_member(info)
        total += info.file_size
        if total > MAX_SAMPLE_BYTES:
            raise CorpusError(f"sample {sample.path!r} is larger than the size limit")
        with _READ_LOCK:
            data = zf.read(info)
        yield _safe_relpath(rel), data


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    target.chmod(0o644)


def _root_name(sample: Sample) -> str:
    # Name the tree's folder the way the registry archive unpacks (npm tarballs hold `package/`,
    # sdists `name-version/`): tools such as GuardDog match rules on `*/package.json`.
    if sample.ecosystem == "npm":
        return "package"
    return re.sub(r"[^A-Za-z0-9._-]", "_", f"{sample.name}-{sample.version}") or "sample"


def _write_sample(sample: Sample, base: Path) -> Path:
    if sample.is_archive:
        rel, _raw = sample.members[0]
        ((_rel, data),) = read_files(sample)
        target = base / posixpath.basename(_safe_relpath(rel))
        _write(target, data)
        return target
    root = base / _root_name(sample)
    root.mkdir()
    for rel, data in read_files(sample):
        target = (root / rel).resolve()
        if not target.is_relative_to(root):
            raise CorpusError(f"refusing member {rel!r} of {sample.path!r} outside the tmpdir")
        _write(target, data)
    return root


def materialize(sample: Sample, tmpdir: str | Path) -> Path:
    """Write the sample's files under `tmpdir` (which the caller deletes) and return its path.

    An archive sample becomes that one file (`tmpdir/<basename>`); an unpacked tree becomes
    `tmpdir/package/...` (npm) or `tmpdir/<name>-<version>/...` (PyPI), as the registry archive
    would unpack. Files are written as plain data without execute bits; nothing is run.
    """
    try:
        return _write_sample(sample, Path(tmpdir).resolve())
    except (OSError, RuntimeError, zipfile.BadZipFile, zlib.error, KeyError) as exc:
        # RuntimeError is zipfile's wrong-password error; zlib.error a corrupt deflate stream.
        raise CorpusError(f"cannot materialize {sample.path!r}: {exc}") from exc
