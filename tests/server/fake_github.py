"""A loopback server playing the GitHub REST API for the endpoints depshield uses; git data
comes from a real repository the test made. Every request it receives and every response it
sends is validated against GitHub's OpenAPI description; violations fail the test."""

from __future__ import annotations

import base64
import json
import subprocess
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from github_openapi import OpenApi

BOT = {"login": "depshield-test[bot]", "id": 9001, "type": "Bot"}
Reply = tuple[int, Any]


class FakeGitHub:
    def __init__(self, api: OpenApi, app_id: str, public_key: str, validate: bool = True) -> None:
        self.api, self.app_id, self.public_key = api, app_id, public_key
        self.validate = validate  # bench/server_load.py turns it off to time the app alone
        self.repos: dict[str, Path] = {}
        self.permissions: dict[str, str] = {}
        self.comments: dict[int, dict[str, Any]] = {}
        self.checks: dict[int, dict[str, Any]] = {}
        self.pulls: dict[tuple[str, int], tuple[str, str]] = {}
        self.tokens: set[str] = set()
        self.violations: list[str] = []
        self.calls: list[tuple[str, str]] = []
        self.holds: dict[str, threading.Event] = {}  # template -> released when set
        self.held = threading.Event()  # set when a request is being held
        self._ids = iter(range(1000, 10**9))
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        for event in self.holds.values():
            event.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def comments_on(self, repo: str, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c["_key"] == (repo, number)]

    def checks_on(self, sha: str) -> list[dict[str, Any]]:
        return [c for c in self.checks.values() if c["head_sha"] == sha]

    # dispatch ---------------------------------------------------------------------------

    def handle(self, method: str, url: str, headers: dict[str, str], body: bytes) -> Reply:
        if self.validate:
            self.violations += self.api.check_request(method, url, body)
        op = self.api.operation(method, urlsplit(url).path)
        self.calls.append((method, op.template))
        hold = self.holds.get(op.template)
        if hold is not None:
            self.held.set()
            hold.wait(60)
        if not self._authorised(op.template, headers.get("authorization", "")):
            self.violations.append(f"{method} {op.template}: unauthorised request")
            return 401, {"message": "Bad credentials"}
        params = op_params(op.template, urlsplit(url).path, self.api)
        route: Callable[..., Reply] = getattr(self, ROUTES[(method, op.template)])
        status, reply = route(params, json.loads(body) if body else None)
        if status < 400 and self.validate:
            self.violations += self.api.check_response(method, url, status, reply)
        return status, reply

    def _authorised(self, template: str, header: str) -> bool:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return False
        if template.startswith("/app/"):
            import jwt

            try:
                claims = jwt.decode(token, self.public_key, algorithms=["RS256"])
            except jwt.PyJWTError:
                return False
            return str(claims.get("iss")) == self.app_id and claims["exp"] - claims["iat"] <= 600
        return token in self.tokens

    def _new_id(self) -> int:
        with self._lock:
            return next(self._ids)

    # endpoints --------------------------------------------------------------------------

    def access_token(self, p: dict[str, str], body: Any) -> Reply:
        reply = self.api.example("post", "/app/installations/{installation_id}/access_tokens", 201)
        token = f"ghs_test{self._new_id()}"
        self.tokens.add(token)
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        reply.update(token=token, expires_at=expires)
        return 201, reply

    def tree(self, p: dict[str, str], body: Any) -> Reply:
        repo = self.repos[f"{p['owner']}/{p['repo']}"]
        out = git(repo, "ls-tree", "-r", "-t", "-l", "--full-tree", p["tree_sha"])
        entries = []
        for line in out.splitlines():
            meta, path = line.split("\t", 1)
            mode, kind, sha, size = meta.split()
            entry = {"path": path, "mode": mode, "type": kind, "sha": sha}
            if kind == "blob":
                entry["size"] = int(size)
            entries.append(entry)
        url = f"{self.url}/repos/{p['owner']}/{p['repo']}/git/trees/{p['tree_sha']}"
        return 200, {"sha": p["tree_sha"], "url": url, "tree": entries, "truncated": False}

    def blob(self, p: dict[str, str], body: Any) -> Reply:
        repo = self.repos[f"{p['owner']}/{p['repo']}"]
        data = subprocess.run(
            ["git", "-C", str(repo), "cat-file", "blob", p["file_sha"]],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
        reply = self.api.example("get", "/repos/{owner}/{repo}/git/blobs/{file_sha}", 200)
        reply.update(
            content=base64.b64encode(data).decode(), encoding="base64", sha=p["file_sha"],
            size=len(data),
        )  # fmt: skip
        return 200, reply

    def list_comments(self, p: dict[str, str], body: Any) -> Reply:
        key = (f"{p['owner']}/{p['repo']}", int(p["issue_number"]))
        found = [_public(c) for c in self.comments.values() if c["_key"] == key]
        return 200, found

    def create_comment(self, p: dict[str, str], body: Any) -> Reply:
        template = self.api.example(
            "post", "/repos/{owner}/{repo}/issues/{issue_number}/comments", 201
        )
        comment_id = self._new_id()
        template["user"].update(BOT)
        template.update(id=comment_id, body=body["body"])
        app = self.api.doc["components"]["examples"]["integration"]["value"]
        template["performed_via_github_app"] = {**app, "id": int(self.app_id)}
        template["_key"] = (f"{p['owner']}/{p['repo']}", int(p["issue_number"]))
        self.comments[comment_id] = template
        return 201, _public(template)

    def add_user_comment(
        self, repo: str, number: int, login: str, body: str, kind: str = "User"
    ) -> None:
        """A comment someone else wrote (a user or another bot quoting the marker)."""
        template = self.api.example(
            "post", "/repos/{owner}/{repo}/issues/{issue_number}/comments", 201
        )
        template["user"].update(login=login, type=kind)
        template.update(id=self._new_id(), body=body, _key=(repo, number))
        self.comments[template["id"]] = template

    def update_comment(self, p: dict[str, str], body: Any) -> Reply:
        comment = self.comments.get(int(p["comment_id"]))
        if comment is None:
            return 404, {"message": "Not Found"}
        app = comment.get("performed_via_github_app") or {}
        if str(app.get("id")) != self.app_id:
            self.violations.append(f"the app tried to edit {comment['user']['login']}'s comment")
            return 403, {"message": "Forbidden"}
        comment["body"] = body["body"]
        return 200, _public(comment)

    def create_check(self, p: dict[str, str], body: Any) -> Reply:
        check = self.api.example("post", "/repos/{owner}/{repo}/check-runs", 201)
        check.update(id=self._new_id(), name=body["name"], head_sha=body["head_sha"])
        check.update(status=body.get("status", "queued"), conclusion=None)
        self.checks[check["id"]] = check
        return 201, check

    def update_check(self, p: dict[str, str], body: Any) -> Reply:
        check = self.checks[int(p["check_run_id"])]
        check.update({k: v for k, v in body.items() if k in ("status", "conclusion")})
        if "output" in body:
            check["output"].update(title=body["output"]["title"], summary=body["output"]["summary"])
        return 200, check

    def permission(self, p: dict[str, str], body: Any) -> Reply:
        template = "/repos/{owner}/{repo}/collaborators/{username}/permission"
        reply = self.api.example("get", template, 200)
        role = self.permissions.get(unquote(p["username"]), "read")
        reply.update(permission="write" if role == "maintain" else role, role_name=role)
        reply["user"].update(login=unquote(p["username"]), role_name=role)
        return 200, reply

    def pull(self, p: dict[str, str], body: Any) -> Reply:
        reply = self.api.example("get", "/repos/{owner}/{repo}/pulls/{pull_number}", 200)
        base, head = self.pulls[(f"{p['owner']}/{p['repo']}", int(p["pull_number"]))]
        reply["number"] = int(p["pull_number"])
        reply["requested_teams"] = []  # the description's own example lacks the required `type`
        reply["base"]["sha"], reply["head"]["sha"] = base, head
        return 200, reply

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    status, reply = fake.handle(self.command, self.path, headers, body)
                except Exception as exc:  # noqa: BLE001 - reported as a violation
                    fake.violations.append(f"{self.command} {self.path}: {exc!r}")
                    status, reply = 500, {"message": "fake server error"}
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = _serve  # noqa: N815 - http.server's naming

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        return Handler


ROUTES = {
    ("POST", "/app/installations/{installation_id}/access_tokens"): "access_token",
    ("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}"): "tree",
    ("GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}"): "blob",
    ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments"): "list_comments",
    ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments"): "create_comment",
    ("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}"): "update_comment",
    ("POST", "/repos/{owner}/{repo}/check-runs"): "create_check",
    ("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}"): "update_check",
    ("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission"): "permission",
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}"): "pull",
}


def op_params(template: str, path: str, api: OpenApi) -> dict[str, str]:
    match = api._regex(template).match(path)
    assert match is not None
    return match.groupdict()


def _public(comment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in comment.items() if not k.startswith("_")}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()
