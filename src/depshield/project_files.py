"""The one reader of project files: regular files inside the project root, size-capped."""

from __future__ import annotations

import contextlib
import contextvars
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from depshield.excerpts import excerpt
from depshield.lockfiles.base import LockfileError

# A hostile pull request controls every project file; 64 MiB is far above any real lockfile.
DEFAULT_CAP = 64 * 1024 * 1024

_ROOT: contextvars.ContextVar[Path | None] = contextvars.ContextVar("project_root", default=None)


class ProjectFileError(LockfileError):
    """A project file depshield refuses to read; names the file, never quotes its content."""

    def __init__(self, path: str, problem: str, *, line: int | None = None, tip: str | None = None):
        super().__init__(path, line, problem, tip=tip)
        self.message = f"refused {_where(path, line)}: {problem}"
        self.args = (self.message,)

    @property
    def line_with_tip(self) -> str:
        """The one line a report lists: the message and its tip."""
        return self.message + (f" (Tip: {self.tip})" if self.tip else "")


def outside_error(lockfile: str, line: int | None, target: str) -> ProjectFileError:
    """A `file:`/`link:` dependency whose path leaves the project root: refused, never read."""
    return ProjectFileError(
        lockfile,
        f"local dependency path {excerpt(target)!r} is outside the project",
        line=line,
        tip="keep local dependencies inside the repository",
    )


def _where(path: str, line: int | None) -> str:
    return f"{path!r}:{line}" if line else repr(path)


@contextlib.contextmanager
def project_root(root: Path) -> Iterator[None]:
    """Confine every read in this block to `root` (a scan's or a pull request's checkout)."""
    token = _ROOT.set(Path(os.path.realpath(root if root.is_dir() else root.parent)))
    try:
        yield
    finally:
        _ROOT.reset(token)


def current_root(fallback: Path) -> Path:
    root = _ROOT.get()
    return root if root is not None else Path(os.path.realpath(fallback))


def inside(path: Path, root: Path) -> bool:
    """Whether `path`, symlinks resolved, stays under `root` (itself resolved)."""
    real = os.path.realpath(path)
    return real == str(root) or real.startswith(str(root).rstrip(os.sep) + os.sep)


def read_bytes(path: Path, *, root: Path | None = None, cap: int = DEFAULT_CAP) -> bytes:
    """The bytes of a regular file inside the root, refused when it leaves it or exceeds `cap`."""
    base = root if root is not None else current_root(path.parent)
    base = Path(os.path.realpath(base))
    if not inside(path, base):
        raise ProjectFileError(
            str(path), "it is outside the project", tip="keep project files inside the checkout"
        )
    real = os.path.realpath(path)
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise ProjectFileError(str(path), f"cannot open it ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ProjectFileError(str(path), "it is not a regular file")
        if info.st_size > cap:
            raise ProjectFileError(str(path), f"it is larger than the {cap} byte limit")
        return _bounded(fd, cap, str(path))
    finally:
        os.close(fd)


def _bounded(fd: int, cap: int, name: str) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while total <= cap:
        chunk = os.read(fd, min(1 << 20, cap + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
    raise ProjectFileError(name, f"it is larger than the {cap} byte limit")


def read_text(
    path: Path, *, root: Path | None = None, cap: int = DEFAULT_CAP, errors: str = "strict"
) -> str:
    """`read_bytes` decoded as UTF-8 (a BOM dropped)."""
    return read_bytes(path, root=root, cap=cap).decode("utf-8-sig", errors=errors)
