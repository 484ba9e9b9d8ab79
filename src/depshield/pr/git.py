"""Reading a git repository at a ref without touching its work tree (ls-tree, show, archive)."""

from __future__ import annotations

import io
import subprocess
import tarfile
from collections.abc import Sequence
from pathlib import Path

from depshield.errors import UsageError

MAX_PATHSPEC = 500  # paths per `git archive` call: keeps the command line short


def _git(repo: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, check=False, timeout=300
        )
    except FileNotFoundError:
        raise UsageError(
            "git is not installed", tip="install git or compare two directories"
        ) from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {args[0]} in {str(repo)!r} took too long") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(
            f"git {args[0]} failed in {str(repo)!r}: {reason[-1] if reason else 'no output'}",
            tip="fetch both refs first (git fetch origin BASE HEAD) or use full commit ids",
        )
    return done.stdout


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
    """Write `paths` (files or folders) as they are at the commit under `dest` (git archive)."""
    for start in range(0, len(paths), MAX_PATHSPEC):
        chunk = [f":(literal){p}" for p in paths[start : start + MAX_PATHSPEC]]
        data = _git(repo, "archive", "--format=tar", commit, "--", *chunk)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(dest, filter=_confined)


def _confined(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo:
    """tarfile's data filter (no links out of dest, devices or absolute paths) plus the
    project-file size cap; a refusal names the file, as the project-file reader does."""
    from depshield.project_files import DEFAULT_CAP, ProjectFileError, excerpt

    if member.size > DEFAULT_CAP:
        raise ProjectFileError(
            excerpt(member.name), f"it is larger than the {DEFAULT_CAP} byte limit"
        )
    try:
        return tarfile.data_filter(member, dest)
    except tarfile.FilterError:
        raise ProjectFileError(
            excerpt(member.name), "it links outside the project or is not a regular file"
        ) from None
