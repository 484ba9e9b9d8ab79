"""Tests for bench/corpus.py: indexing, grouping and safe materializing of corpus samples."""

from __future__ import annotations

import io
import json
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from corpus import CorpusError, Sample, iter_malware, materialize  # noqa: E402


def _zip(path: Path, index: list[dict[str, object]], files: dict[str, bytes]) -> Path:
    # zipfile cannot write encrypted members; the reader's password is ignored for plain ones.
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("index.jsonl", "".join(json.dumps(r) + "\n" for r in index))
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def _row(eco: str, name: str, version: str, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {"ecosystem": eco, "name": name, "version": version}
    return row | {"path": f"{eco}/{name}@{version}"} | extra


def _tgz() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        info = tarfile.TarInfo("package/index.js")
        info.size = 2
        tf.addfile(info, io.BytesIO(b"1;"))
    return buf.getvalue()


@pytest.fixture
def corpus_zip(tmp_path: Path) -> Path:
    index = [
        _row("npm", "@scope/evil", "1.0.0", partial=True, note="only the payload"),
        _row("npm", "plain", "2.0.0"),
        _row("pypi", "requ\u0435sts", "0.1.0"),
        _row("npm", "packed", "1.0.0"),
    ]
    files = {
        "npm/@scope/evil@1.0.0/index.js": b"evil();",
        "npm/plain@2.0.0/package.json": b"{}",
        "npm/plain@2.0.0/lib/a.js": b"a();",
        "pypi/requ\u0435sts@0.1.0/setup.py": b"setup()",
        "npm/packed@1.0.0/packed-1.0.0.tgz": _tgz(),
    }
    return _zip(tmp_path / "corpus.zip", index, files)


def test_iter_groups_scoped_and_unicode_samples(corpus_zip: Path) -> None:
    samples = {s.path: s for s in iter_malware(corpus_zip)}
    scoped = samples["npm/@scope/evil@1.0.0"]
    assert scoped.members == (("index.js", "npm/@scope/evil@1.0.0/index.js"),)
    assert scoped.partial and scoped.note == "only the payload"
    assert not samples["npm/plain@2.0.0"].partial
    assert [m[0] for m in samples["pypi/requ\u0435sts@0.1.0"].members] == ["setup.py"]


def test_iter_filters_by_ecosystem(corpus_zip: Path) -> None:
    assert [s.name for s in iter_malware(corpus_zip, "pypi")] == ["requ\u0435sts"]


def test_materialize_tree_without_exec_bits(corpus_zip: Path, tmp_path: Path) -> None:
    (plain,) = [s for s in iter_malware(corpus_zip) if s.name == "plain"]
    out = tmp_path / "out"
    out.mkdir()
    root = materialize(plain, out)
    assert root == out.resolve() / "package"
    assert (root / "lib" / "a.js").read_bytes() == b"a();"
    assert (root / "package.json").stat().st_mode & 0o111 == 0


def test_materialize_single_archive_writes_the_file(corpus_zip: Path, tmp_path: Path) -> None:
    (packed,) = [s for s in iter_malware(corpus_zip) if s.name == "packed"]
    assert packed.is_archive
    target = materialize(packed, tmp_path)
    assert target == tmp_path.resolve() / "packed-1.0.0.tgz"
    assert target.read_bytes() == _tgz()


@pytest.mark.parametrize("bad", ["../escape.js", "/abs.js", "a/../../b.js", "C:/x.js"])
def test_materialize_refuses_escaping_paths(tmp_path: Path, bad: str) -> None:
    zip_path = _zip(tmp_path / "c.zip", [_row("npm", "x", "1")], {"npm/x@1/ok.js": b"1"})
    sample = Sample(
        zip_path,
        "npm",
        "x",
        "1",
        "npm/x@1",
        False,
        False,
        None,
        None,
        members=(("ok.js", "npm/x@1/ok.js"), (bad, "npm/x@1/ok.js")),
    )
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CorpusError, match="unsafe member path"):
        materialize(sample, out)
    assert not (tmp_path / "escape.js").exists()


def test_missing_index_is_a_corpus_error(tmp_path: Path) -> None:
    path = tmp_path / "noindex.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("npm/x@1/a.js", b"1")
    with pytest.raises(CorpusError, match="index.jsonl"):
        list(iter_malware(path))


def test_materialize_refuses_symlink_members(tmp_path: Path) -> None:
    zip_path = tmp_path / "link.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        zf.writestr("index.jsonl", json.dumps(_row("npm", "x", "1")) + "\n")
        link = zipfile.ZipInfo("npm/x@1/link.js")
        link.create_system = 3
        link.external_attr = (0o120777) << 16
        zf.writestr(link, "/etc/passwd")
    (sample,) = iter_malware(zip_path)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CorpusError, match="non-regular member"):
        materialize(sample, out)


def test_materialize_names_pypi_tree_like_an_sdist(corpus_zip: Path, tmp_path: Path) -> None:
    (homoglyph,) = iter_malware(corpus_zip, "pypi")
    root = materialize(homoglyph, tmp_path)
    assert root.name == "requ_sts-0.1.0"
    assert (root / "setup.py").read_bytes() == b"setup()"
