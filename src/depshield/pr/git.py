"""Reading a git repository at a ref without touching its work tree (ls-tree, show, archive)."""

from __future__ import annotations

import subprocess
import tarfile
from collections.abc import Sequence
from pathlib import Path

from depshield import project_files
from depshield.errors import UsageError
from depshield.excerpts import excerpt
from depshield.project_files import ProjectFileError

MAX_PATHSPEC = 500  # paths per `git archive` call: keeps the command line short
GIT_TIMEOUT = 300  # seconds for one git command


def _git(repo: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, check=False, timeout=GIT_TIMEOUT
        )
    except FileNotFoundError:
        raise _no_git() from None
    except subprocess.TimeoutExpired:
        raise _too_long(repo, args) from None
    if done.returncode != 0:
        raise _failed(repo, args, done.stderr)
    return done.stdout


def _no_git() -> UsageError:
    return UsageError("git is not installed", tip="install git or compare two directories")


def _too_long(repo: Path, args: Sequence[str]) -> UsageError:
    return UsageError(f"git {args[0]} in {str(repo)!r} took too long")


def _failed(repo: Path, args: Sequence[str], stderr: bytes) -> UsageError:
    reason = stderr.decode("utf-8", "replace").strip().splitlines()
    return UsageError(
        f"git {args[0]} failed in {str(repo)!r}: {reason[-1] if reason else 'no output'}",
        tip="fetch both refs first (git fetch origin BASE HEAD) or use full commit ids",
    )


def resolve(repo: Path, ref: str) -> str:
    """The commit id a ref names (`main`, `HEAD~1`, a sha)."""
    if ref.startswith("-"):
        raise UsageError(f"invalid git ref {ref!r}")
    return _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()


def toplevel(path: Path) -> Path:
    return Path(_git(path, "rev-parse", "--show-toplevel").decode().strip())


def list_files(repo: Path, commit: str) -> list[str]:
    """Every file path of the commit's tree (POSIX, relative to the repository root)."""
    out = _git(repo, "ls-tree", "-r", "-z", "--name-only", "--full-tree", commit)
    return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]


def show(repo: Path, commit: str, path: str) -> bytes:
    """One file's bytes at the commit."""
    return _git(repo, "show", f"{commit}:{path}")


def tree_id(repo: Path, commit: str, path: str) -> str | None:
    """The object id of a folder or file at the commit (equal ids: equal content), or None."""
    try:
        return _git(repo, "rev-parse", "--verify", "--quiet", f"{commit}:{path}").decode().strip()
    except UsageError:
        return None


def export(repo: Path, commit: str, paths: Sequence[str], dest: Path) -> None:
    """Write `paths` (files or folders) as they are at the commit under `dest` (git archive).

    The archive is read as git writes it, one member at a time (tarfile's stream mode), never
    held whole in memory; each member passes `_confined` before it is written."""
    for start in range(0, len(paths), MAX_PATHSPEC):
        chunk = [f":(literal){p}" for p in paths[start : start + MAX_PATHSPEC]]
        _extract(repo, ["archive", "--format=tar", commit, "--", *chunk], dest)


def _extract(repo: Path, args: list[str], dest: Path) -> None:
    """Run `git ARGS` and extract the tar it writes to stdout under `dest` as it arrives."""
    import tempfile
    import threading

    with tempfile.TemporaryFile() as stderr:
        try:
            child = subprocess.Popen(
                ["git", "-C", str(repo), *args], stdout=subprocess.PIPE, stderr=stderr
            )
        except FileNotFoundError:
            raise _no_git() from None
        late = threading.Event()  # set when the timeout killed git

        def stop() -> None:
            late.set()
            child.kill()

        timer = threading.Timer(GIT_TIMEOUT, stop)
        timer.start()
        try:
            _untar(child, dest)
        except BaseException:
            child.kill()  # a refused member ends the read; git may still be writing
            raise
        finally:
            child.wait()
            timer.cancel()
            if child.stdout is not None:
                child.stdout.close()
        if late.is_set() and child.returncode != 0:
            raise _too_long(repo, args)
        if child.returncode != 0:
            stderr.seek(0)
            raise _failed(repo, args, stderr.read())


def _untar(child: subprocess.Popen[bytes], dest: Path) -> None:
    assert child.stdout is not None
    try:
        with tarfile.open(fileobj=child.stdout, mode="r|") as tar:
            tar.extractall(dest, filter=_confined)
    except tarfile.ReadError:
        return  # git stopped before a whole archive: its exit status says why
    while child.stdout.read(1 << 16):
        pass  # the archive's end padding: let git finish writing and exit by itself


def _confined(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo:
    """tarfile's data filter (no links out of dest, devices or absolute paths) plus the
    project-file size cap; a refusal names the file, as the project-file reader does."""

    if member.size > project_files.DEFAULT_CAP:
        raise ProjectFileError(
            excerpt(member.name), f"it is larger than the {project_files.DEFAULT_CAP} byte limit"
        )
    try:
        return tarfile.data_filter(member, dest)
    except tarfile.FilterError:
        raise ProjectFileError(
            excerpt(member.name), "it links outside the project or is not a regular file"
        ) from None
