"""The OpenAPI checks the fake GitHub applies can fail: bad bodies, undeclared parameters and
incomplete responses are reported."""

from __future__ import annotations

import json
from typing import Any

import pytest


def test_request_body_schema_is_enforced(openapi: Any) -> None:
    url = "/repos/o/r/issues/1/comments"
    assert openapi.check_request("POST", url, json.dumps({"body": "hi"}).encode()) == []
    [error] = openapi.check_request("POST", url, json.dumps({"body": 5}).encode())
    assert "body: 5 is not of type 'string'" in error
    [missing] = openapi.check_request("POST", url, json.dumps({}).encode())
    assert "'body' is a required property" in missing


def test_undeclared_query_parameter(openapi: Any) -> None:
    [error] = openapi.check_request("GET", "/repos/o/r/git/trees/abc?recursive=1&deep=yes", b"")
    assert "undeclared query parameter 'deep'" in error


def test_unknown_operation(openapi: Any) -> None:
    with pytest.raises(AssertionError, match="no such operation"):
        openapi.operation("POST", "/repos/o/r/git/trees/abc")


def test_response_schema_is_enforced(openapi: Any) -> None:
    url = "/repos/o/r/check-runs"
    good = openapi.example("post", "/repos/{owner}/{repo}/check-runs", 201)
    assert openapi.check_response("POST", url, 201, good) == []
    bad = {k: v for k, v in good.items() if k != "head_sha"}
    assert any(
        "'head_sha' is a required" in e for e in openapi.check_response("POST", url, 201, bad)
    )
    assert openapi.check_response("POST", url, 299, good) != []


def test_contents_path_may_hold_slashes(openapi: Any) -> None:
    op = openapi.operation("GET", "/repos/o/r/contents/a/b/package.json")
    assert op.template == "/repos/{owner}/{repo}/contents/{path}"
