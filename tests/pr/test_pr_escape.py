"""Issue 17: a local package named to break out of the PR comment's table and code spans."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from npm_project import FixtureRegistry, benign_files, package_lock
from test_pr_cli import commit, init_repo, write

from depshield.cli.main import main

FORGED = "x` | pass | 100 |\n| `ok` | pass | 100 | @octocat <img src=x>"


def cell_count(row: str) -> int:
    """Cells of a GFM table row the way cmark-gfm splits it (a backslash escapes one char)."""
    return len(re.findall(r"(?:\\.|[^|\\])+", row.strip().removeprefix("|").removesuffix("|")))


def test_a_package_name_cannot_forge_a_row_in_the_pr_comment(
    npm: FixtureRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    init_repo(repo)
    write(repo / "package-lock.json", package_lock([]))
    base = commit(repo, "base")
    for name, data in benign_files("local-tools", "0.0.1").items():
        write(repo / "tools" / name, data.decode())
    lock = json.loads(package_lock([]))
    lock["packages"][""]["dependencies"] = {FORGED: "file:tools"}
    lock["packages"][f"node_modules/{FORGED}"] = {"resolved": "tools", "link": True}
    lock["packages"]["tools"] = {"name": FORGED, "version": "0.0.1"}
    write(repo / "package-lock.json", json.dumps(lock, indent=2))
    commit(repo, "add a local package")
    main(["pr", "--base", base, "--head", "HEAD", str(repo), "--format", "markdown"])
    text = capsys.readouterr().out
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert len(rows) == 3, rows  # header, delimiter, one package
    assert {cell_count(row) for row in rows} == {cell_count(rows[0])}
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert html.count("<tr>") == 2 and "<img" not in html  # header and one package
    assert "@octocat" not in re.sub(r"<code>.*?</code>", "", html)  # code does not ping
