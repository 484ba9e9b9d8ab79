"""Real webhook payloads (@octokit/webhooks-examples) pointed at the test's repository."""

from __future__ import annotations

import copy
from typing import Any

OWNER, NAME = "octo-org", "app"
INSTALLATION = 777


def pick(examples: dict[str, list[dict[str, Any]]], event: str, action: str, **has: Any) -> Any:
    for example in examples[event]:
        if example.get("action") != action:
            continue
        if all(_dig(example, k) is not None for k in has):
            return copy.deepcopy(example)
    raise LookupError(f"no {event}.{action} example")


def _dig(doc: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("__"):
        if not isinstance(doc, dict):
            return None
        doc = doc.get(part)  # type: ignore[assignment]
    return doc


def _retarget(payload: dict[str, Any]) -> dict[str, Any]:
    payload["repository"]["owner"]["login"] = OWNER
    payload["repository"]["name"] = NAME
    payload["repository"]["full_name"] = f"{OWNER}/{NAME}"
    payload["installation"] = {**(payload.get("installation") or {}), "id": INSTALLATION}
    return payload


def pull_request(
    examples: dict[str, list[dict[str, Any]]], action: str, number: int, base: str, head: str
) -> dict[str, Any]:
    payload = _retarget(pick(examples, "pull_request", action))
    payload["number"] = number
    payload["pull_request"]["number"] = number
    payload["pull_request"]["base"]["sha"] = base
    payload["pull_request"]["head"]["sha"] = head
    return payload


def comment(
    examples: dict[str, list[dict[str, Any]]], number: int, login: str, body: str
) -> dict[str, Any]:
    payload = _retarget(pick(examples, "issue_comment", "created"))
    # The examples comment on plain issues; GitHub marks a pull request's issue this way.
    url = f"http://github.example.invalid/{OWNER}/{NAME}/pull/{number}"
    payload["issue"]["pull_request"] = {
        "url": url, "html_url": url, "diff_url": url + ".diff", "patch_url": url + ".patch",
        "merged_at": None,
    }  # fmt: skip
    payload["issue"]["number"] = number
    payload["comment"]["body"] = body
    payload["comment"]["user"]["login"] = login
    payload["comment"]["user"]["type"] = "User"
    return payload
