"""The REST client against the fake GitHub: the comment it owns is found by marker and app,
never another bot's or a user's copy of the marker."""

from __future__ import annotations

from typing import Any

from service_support import APP_ID, REPO

from depshield.pr.github import GitHub, GitHubError, Repo
from depshield.reports.pr_markdown import MARKER


def client(github: Any) -> GitHub:
    github.tokens.add("ghs_client_test")
    return GitHub(github.url, "ghs_client_test")


def test_upsert_finds_its_own_comment_and_skips_copies(github: Any) -> None:
    api, repo = client(github), Repo(*REPO.split("/"))
    github.add_user_comment(REPO, 4, "someone", f"{MARKER} quoted by a user")
    github.add_user_comment(REPO, 4, "other-ci[bot]", f"{MARKER} another bot", "Bot")
    first = api.upsert_comment(repo, 4, f"{MARKER}\none", MARKER, app_id=APP_ID)
    second = api.upsert_comment(repo, 4, f"{MARKER}\ntwo", MARKER, app_id=APP_ID)
    assert first == second
    bodies = {c["body"] for c in github.comments_on(REPO, 4)}
    assert bodies == {f"{MARKER} another bot", f"{MARKER} quoted by a user", f"{MARKER}\ntwo"}


def test_a_forgotten_comment_id_falls_back_to_the_marker(github: Any) -> None:
    api, repo = client(github), Repo(*REPO.split("/"))
    made = api.upsert_comment(repo, 6, f"{MARKER}\nv1", MARKER, app_id=APP_ID)
    again = api.upsert_comment(repo, 6, f"{MARKER}\nv2", MARKER, known=999_999, app_id=APP_ID)
    assert again == made and len(github.comments_on(REPO, 6)) == 1


def test_errors_carry_the_status(github: Any) -> None:
    api = GitHub(github.url, "not-a-token")
    try:
        api.permission(Repo(*REPO.split("/")), "someone")
    except GitHubError as exc:
        assert exc.status == 401
    else:
        raise AssertionError("an unauthorised call must fail")
    github.violations.clear()  # the fake reports the unauthorised request on purpose
