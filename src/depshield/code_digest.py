"""A digest of the code that produces cached analyses, so a cache never outlives its code.

Cached `Examined` results (analysis.py) are keyed by this digest: any change to an analyzer, an
archive reader, a manifest reader or the license findings changes the key, with no version
string to remember to bump (issue: 67 commits touched that code, 12 bumped a version).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent

# What `analysis.examine` runs, relative to the package (tests/test_code_digest.py checks that
# every depshield module examine() imports is covered).
SOURCES = (
    "analysis.py",
    "model.py",
    "lazyre.py",
    "gcpause.py",
    "alerts/catalog.py",
    "analyzers/**/*.py",
    "artifacts/**/*.py",
    "ecosystems/**/*.py",
    "intel/**/*.py",
    "data/*",
)


def source_files(root: Path = PACKAGE) -> list[Path]:
    """Every file whose content shapes a cached analysis, in a stable order."""
    found = {p for pattern in SOURCES for p in root.glob(pattern) if p.is_file()}
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def _stamp(files: list[Path], root: Path) -> str:
    """A cheap fingerprint (names, sizes, mtimes) that picks the memoised digest."""
    h = hashlib.blake2b(digest_size=16)
    for p in files:
        st = p.stat()
        h.update(f"{p.relative_to(root).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def compute(root: Path = PACKAGE) -> str:
    """The content digest itself: relative names and bytes of every source file."""
    h = hashlib.blake2b(digest_size=12)
    for p in source_files(root):
        name = p.relative_to(root).as_posix().encode()
        data = p.read_bytes()
        h.update(b"%d:%s%d:" % (len(name), name, len(data)))
        h.update(data)
    return h.hexdigest()


@cache
def code_digest(root: Path = PACKAGE) -> str:
    """`compute`, memoised across processes by the files' stamp (a stat per file, no reads)."""
    from depshield import memo

    name = f"code-digest-{_stamp(source_files(root), root)}"
    stored = memo.read(name)
    if stored:
        return stored.decode()
    digest = compute(root)
    memo.write(name, digest.encode())
    return digest
