"""What each page shows, as plain data: the HTML templates and `Accept: application/json` read
the same dictionaries."""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

from depshield.dashboard.excerpts import annotate, declared_license
from depshield.dashboard.purls import normal, parse_query
from depshield.dashboard.refusals import recent
from depshield.dashboard.store import ResultsStore

DAY = 86400.0
CHART_DAYS = 14
LIST_LIMIT = 50  # rows per list on a page
ALERT_LIMIT = 200
EXCERPT_LIMIT = 40  # alerts shown with the code around them
CHANGE_LIMIT = 500
REPO_LIMIT = 200
# A page over its budget is rendered again with lists this many times shorter (pages.py).
SHRINK = (1, 4, 16)

_LATEST_PER_REPO = """
SELECT p.repo, p.pr, p.verdict, p.at FROM dash_pulls p
WHERE p.at = (SELECT MAX(x.at) FROM dash_pulls x WHERE x.repo = p.repo)
ORDER BY p.repo LIMIT ?"""
_OPEN_PULLS = """
SELECT repo, pr, verdict, at, head FROM dash_pulls
WHERE state = 'open' AND verdict IN ({verdicts}) ORDER BY at DESC LIMIT ?"""
_MOST_BLOCKED = """
SELECT ecosystem, name, new, COUNT(DISTINCT repo), COUNT(*) FROM dash_changes
WHERE verdict = 'block' AND new IS NOT NULL
GROUP BY ecosystem, name, new ORDER BY COUNT(DISTINCT repo) DESC, COUNT(*) DESC, name LIMIT ?"""


def overview(store: ResultsStore, verdict: str = "", now: float | None = None) -> dict[str, Any]:
    now = time.time() if now is None else now
    wanted = [verdict] if verdict in ("block", "warn") else ["block", "warn"]
    marks = ", ".join("?" for _ in wanted)
    pulls = store.query(_OPEN_PULLS.format(verdicts=marks), [*wanted, LIST_LIMIT])
    return {
        "repositories": [
            {"repo": r, "pr": p, "verdict": v, "at": at}
            for r, p, v, at in store.query(_LATEST_PER_REPO, [REPO_LIMIT])
        ],
        "repositoriesTotal": store.query("SELECT COUNT(DISTINCT repo) FROM dash_pulls")[0][0],
        "pullRequests": [
            {"repo": r, "pr": p, "verdict": v, "at": at, "head": h} for r, p, v, at, h in pulls
        ],
        "filter": {"verdict": verdict if verdict in ("block", "warn") else ""},
        "mostBlocked": [
            {"ecosystem": e, "name": n, "version": v, "repositories": repos, "times": times}
            for e, n, v, repos, times in store.query(_MOST_BLOCKED, [20])
        ],
        "perDay": per_day(store, now),
        "refusals": refusals(store),
    }


def per_day(store: ResultsStore, now: float) -> list[dict[str, Any]]:
    """Blocks and warns a day over the last two weeks (runs, by the day they were judged)."""
    start = (now // DAY - (CHART_DAYS - 1)) * DAY
    rows = store.query(
        "SELECT at, verdict FROM dash_runs WHERE at >= ? AND verdict <> 'pass'", [start]
    )
    counts = Counter((int((at - start) // DAY), verdict) for at, verdict in rows)
    days = []
    for index in range(CHART_DAYS):
        day = time.strftime("%Y-%m-%d", time.gmtime(start + index * DAY))
        days.append(
            {"day": day, "block": counts[(index, "block")], "warn": counts[(index, "warn")]}
        )
    return days


def refusals(store: ResultsStore) -> list[dict[str, Any]]:

    return recent(store)


def package(
    store: ResultsStore, ecosystem: str, name: str, version: str, shrink: int = 1
) -> dict[str, Any] | None:

    rows = store.query(
        "SELECT doc, at, name FROM dash_packages WHERE ecosystem = ? AND name_key = ? "
        "AND version = ? ORDER BY name = ? DESC",
        [ecosystem, normal(ecosystem, name), version, name],
    )
    if not rows:
        return None
    doc: dict[str, Any] = json.loads(rows[0][0])
    name = rows[0][2]  # as recorded: `/pypi/flask-login/...` finds `Flask_Login`
    paths = store.query(
        "SELECT repo, lockfile, line, path FROM dash_paths WHERE ecosystem = ? AND name = ? "
        "AND version = ? ORDER BY repo, lockfile, path LIMIT ?",
        [ecosystem, name, version, LIST_LIMIT // shrink],
    )

    alerts = doc.get("alerts") or []
    shown = alerts[: ALERT_LIMIT // shrink]
    doc["alerts"] = annotate(doc.get("digest"), shown, EXCERPT_LIMIT // shrink)
    doc["alertsShown"], doc["alertsTotal"] = len(doc["alerts"]), len(alerts)
    doc["license"] = doc.get("license") or declared_license(doc.get("digest"), ecosystem)
    doc["judgedAt"] = rows[0][1]
    doc["paths"] = [{"repo": r, "lockfile": f, "line": n, "path": p} for r, f, n, p in paths]
    doc["installScripts"] = [a for a in alerts if a.get("type") == "installScripts"]
    doc["vulnerabilities"] = [_vuln(a) for a in alerts if "firstPatched" in (a.get("props") or {})]
    doc["otherVersions"] = versions(store, ecosystem, name)
    return doc


def _vuln(alert: dict[str, Any]) -> dict[str, Any]:
    props = alert.get("props") or {}
    return {
        "id": props.get("id"),
        "severity": alert.get("severity"),
        "summary": alert.get("evidence"),
        "range": props.get("range"),
        "fixed": props.get("firstPatched"),
    }


def versions(store: ResultsStore, ecosystem: str, name: str) -> list[dict[str, Any]]:
    rows = store.query(
        "SELECT version, verdict FROM dash_packages WHERE ecosystem = ? AND name = ? "
        "ORDER BY at DESC LIMIT ?",
        [ecosystem, name, LIST_LIMIT],
    )
    return [{"version": v, "verdict": verdict} for v, verdict in rows]


def pull(
    store: ResultsStore, repo: str, number: int, kind: str = "", shrink: int = 1
) -> dict[str, Any] | None:
    runs = store.query(
        "SELECT id, base, head, verdict, at FROM dash_runs WHERE repo = ? AND pr = ? "
        "ORDER BY at DESC LIMIT ?",
        [repo, number, LIST_LIMIT],
    )
    if not runs:
        return None
    run, base, head, verdict, at = runs[0]
    body, report = store.query("SELECT body, report FROM dash_run_docs WHERE run = ?", [run])[0]
    changes = store.query(
        "SELECT kind, ecosystem, name, old, new, verdict, lockfile, line, path, ignored_by "
        "FROM dash_changes WHERE run = ? AND (? = '' OR kind = ?) "
        "ORDER BY CASE verdict WHEN 'block' THEN 0 WHEN 'warn' THEN 1 ELSE 2 END, "
        "kind, ecosystem, name LIMIT ?",
        [run, kind, kind, CHANGE_LIMIT // shrink],
    )
    total = store.query(
        "SELECT COUNT(*) FROM dash_changes WHERE run = ? AND (? = '' OR kind = ?)",
        [run, kind, kind],
    )[0][0]
    ignores = store.query(
        "SELECT package, by_user, at, why FROM dash_ignores WHERE repo = ? AND pr = ? ORDER BY at",
        [repo, number],
    )
    keys = ("kind", "ecosystem", "name", "from", "to", "verdict", "lockfile", "line", "path",
            "ignoredBy")  # fmt: skip
    return {
        "repo": repo,
        "pr": number,
        "base": base,
        "head": head,
        "verdict": verdict,
        "at": at,
        "comment": body,
        "filter": {"kind": kind},
        "changes": [dict(zip(keys, row, strict=True)) for row in changes],
        "changesTotal": total,
        "ignores": [{"package": p, "by": b, "at": t, "why": w} for p, b, t, w in ignores],
        "notes": json.loads(report).get("notes", []),
        "history": [{"head": h, "verdict": v, "at": t} for _, _, h, v, t in runs],
    }


def search(store: ResultsStore, text: str) -> dict[str, Any]:
    """By name (substring) or purl (`pkg:npm/%40scope/name@1.0.0`, version optional)."""

    ecosystem, name, version = parse_query(text)
    if not name:
        return {"query": text, "results": []}
    sql = "SELECT ecosystem, name, version, verdict, overall FROM dash_packages WHERE "
    if ecosystem:
        sql += "ecosystem = ? AND name_key = ?" + (" AND version = ?" if version else "")
        args: list[Any] = [ecosystem, name, *([version] if version else [])]
    else:
        sql += "LOWER(name) LIKE ? ESCAPE '!'"
        args = ["%" + _like(name.lower()) + "%"]
    rows = store.query(sql + " ORDER BY name, at DESC LIMIT ?", [*args, LIST_LIMIT])
    keys = ("ecosystem", "name", "version", "verdict", "overall")
    return {"query": text, "results": [dict(zip(keys, r, strict=True)) for r in rows]}


def _like(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")
