"""A small GitHub REST client for what depshield posts: the one comment it owns per pull
request, check runs, collaborator permissions, and the git trees and blobs it reads."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from depshield.errors import DepshieldError

API_VERSION = "2022-11-28"
MAX_COMMENT_PAGES = 20  # 2,000 comments: past that the pull request is not worth a scan
MAX_BLOB_BYTES = 16 * 1024 * 1024
SUMMARY_LIMIT = 65_000  # check-run output.summary and .text accept at most 65,535 characters


class GitHubError(DepshieldError):
    """The GitHub API refused a request or could not be reached."""

    exit_code = 3

    def __init__(self, message: str, status: int = 0, *, tip: str | None = None) -> None:
        super().__init__(message, tip=tip)
        self.status = status


@dataclass(frozen=True, slots=True)
class Repo:
    owner: str
    name: str

    @property
    def path(self) -> str:
        return f"/repos/{quote(self.owner, safe='')}/{quote(self.name, safe='')}"

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


class GitHub:
    """REST calls with one token (an installation token, GITHUB_TOKEN or an app JWT)."""

    def __init__(self, api_url: str, token: str, client: httpx.Client | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.client = client or httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0))
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "depshield",
        }

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        url = self.api_url + path
        try:
            response = self.client.request(method, url, headers=self.headers, **kwargs)
        except httpx.HTTPError as exc:
            raise GitHubError(f"{method} {path}: {type(exc).__name__}: {exc}") from None
        if response.status_code >= 400:
            raise GitHubError(
                f"{method} {path}: HTTP {response.status_code}: {response.text[:200]!r}",
                response.status_code,
            )
        return response.json() if response.content else None

    # comments ---------------------------------------------------------------------------

    def find_comment(
        self, repo: Repo, number: int, marker: str, app_id: str | None = None
    ) -> int | None:
        """The id of the bot comment carrying `marker` (a user quoting it is not ours); with
        `app_id`, only one this GitHub App wrote (another bot's copy is not ours to edit)."""
        for page in range(1, MAX_COMMENT_PAGES + 1):
            path = f"{repo.path}/issues/{number}/comments"
            batch = self.call("GET", path, params={"per_page": 100, "page": page})
            for comment in batch:
                user = comment.get("user") or {}
                app = comment.get("performed_via_github_app") or {}
                if app_id is not None and str(app.get("id")) != app_id:
                    continue
                if marker in (comment.get("body") or "") and user.get("type") == "Bot":
                    return int(comment["id"])
            if len(batch) < 100:
                return None
        return None

    def upsert_comment(
        self,
        repo: Repo,
        number: int,
        body: str,
        marker: str,
        known: int | None = None,
        app_id: str | None = None,
    ) -> int:
        """Update our comment (by the remembered id, else found by marker) or create it."""
        comment_id = known
        if comment_id is not None:
            try:
                self.call("PATCH", f"{repo.path}/issues/comments/{comment_id}", json={"body": body})
                return comment_id
            except GitHubError as exc:
                if exc.status != 404:
                    raise
        comment_id = self.find_comment(repo, number, marker, app_id)
        if comment_id is not None:
            self.call("PATCH", f"{repo.path}/issues/comments/{comment_id}", json={"body": body})
            return comment_id
        made = self.call("POST", f"{repo.path}/issues/{number}/comments", json={"body": body})
        return int(made["id"])

    # checks -----------------------------------------------------------------------------

    def start_check(self, repo: Repo, head_sha: str, name: str = "depshield") -> int:
        body = {"name": name, "head_sha": head_sha, "status": "in_progress"}
        return int(self.call("POST", f"{repo.path}/check-runs", json=body)["id"])

    def finish_check(
        self, repo: Repo, check_id: int, conclusion: str, title: str, summary: str
    ) -> None:
        body = {
            "status": "completed",
            "conclusion": conclusion,
            "output": {"title": title[:255], "summary": summary[:SUMMARY_LIMIT]},
        }
        self.call("PATCH", f"{repo.path}/check-runs/{check_id}", json=body)

    # permissions, pulls, git data -------------------------------------------------------

    def permission(self, repo: Repo, user: str) -> str:
        """admin | maintain | write | triage | read | none (role_name knows maintain/triage)."""
        doc = self.call("GET", f"{repo.path}/collaborators/{quote(user, safe='')}/permission")
        return str(doc.get("role_name") or doc.get("permission") or "none")

    def pull(self, repo: Repo, number: int) -> dict[str, Any]:
        doc: dict[str, Any] = self.call("GET", f"{repo.path}/pulls/{number}")
        return doc

    def tree(self, repo: Repo, sha: str) -> tuple[list[dict[str, Any]], bool]:
        """Every entry of the commit's tree (recursive) and whether GitHub truncated it."""
        doc = self.call("GET", f"{repo.path}/git/trees/{sha}", params={"recursive": "1"})
        return list(doc.get("tree") or []), bool(doc.get("truncated"))

    def blob(self, repo: Repo, sha: str) -> bytes:
        doc = self.call("GET", f"{repo.path}/git/blobs/{sha}")
        if int(doc.get("size") or 0) > MAX_BLOB_BYTES:
            raise GitHubError(f"{repo.full_name}: blob {sha} is larger than the limit")
        if doc.get("encoding") != "base64":
            return str(doc.get("content") or "").encode()
        return base64.b64decode(doc.get("content") or "")

    def close(self) -> None:
        self.client.close()
