"""A commit's tree read through the GitHub REST API (git trees and blobs), for the service."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from depshield.pr.github import GitHub, GitHubError, Repo

MAX_EXPORT_FILES = 3000  # per export: a local package larger than this is cut (noted)
MAX_EXPORT_BYTES = 64 * 1024 * 1024


class ApiTree:
    """Files of one commit; blobs are fetched only for the paths a diff exports."""

    def __init__(
        self,
        github: GitHub,
        repo: Repo,
        sha: str,
        label: str,
        blobs: dict[str, bytes] | None = None,
    ) -> None:
        self.github, self.repo, self.sha, self.label = github, repo, sha, label
        # Shared by the base and head trees: a file the change did not touch is fetched once.
        self.blobs: dict[str, bytes] = {} if blobs is None else blobs
        self._entries: dict[str, dict[str, Any]] | None = None
        self.truncated = False
        self.notes: list[str] = []

    def entries(self) -> dict[str, dict[str, Any]]:
        if self._entries is None:
            listing, self.truncated = self.github.tree(self.repo, self.sha)
            self._entries = {str(e["path"]): e for e in listing if "path" in e}
            if self.truncated:
                self.notes.append(f"{self.label}: the tree is too large; some files were not read")
        return self._entries

    def files(self) -> list[str]:
        return sorted(p for p, e in self.entries().items() if e.get("type") == "blob")

    def folder_id(self, path: str) -> str | None:
        entry = self.entries().get(path)
        return str(entry["sha"]) if entry and entry.get("type") == "tree" else None

    def export(self, paths: Sequence[str], dest: Path) -> None:
        entries = self.entries()
        chosen: list[str] = []
        for path in paths:
            entry = entries.get(path)
            if entry is not None and entry.get("type") == "blob":
                chosen.append(path)
            elif entry is not None and entry.get("type") == "tree":
                prefix = PurePosixPath(path)
                chosen += [
                    p
                    for p, e in entries.items()
                    if e.get("type") == "blob" and prefix in PurePosixPath(p).parents
                ]
        total = 0
        for count, path in enumerate(sorted(set(chosen))):
            entry = entries[path]
            total += int(entry.get("size") or 0)
            if count >= MAX_EXPORT_FILES or total > MAX_EXPORT_BYTES:
                self.notes.append(f"{self.label}: export cut at {count} files")
                return
            if entry.get("mode") in ("120000", "160000"):
                continue  # symbolic links and submodules are not followed
            target = dest / path
            if ".." in PurePosixPath(path).parts:
                continue
            sha = str(entry["sha"])
            try:
                data = self.blobs.get(sha) or self.github.blob(self.repo, sha)
            except GitHubError as exc:
                self.notes.append(f"{self.label}: {path}: {exc.message}")
                continue
            self.blobs[sha] = data
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
