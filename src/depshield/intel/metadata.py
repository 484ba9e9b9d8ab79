"""Signals from what the registry says about a version (see docs/metadata-signals.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from depshield.ecosystems.base import ManifestAnalysis
from depshield.ecosystems.plugins import plugins
from depshield.intel.history import History, Release
from depshield.intel.manifest_confusion import confusion_findings
from depshield.model import Finding, PackageRef

DEFAULT_COOLDOWN_DAYS = 2
UNMAINTAINED_YEARS = 5
PUBLISHER_RUN = 3  # versions in a row by one account before a switch counts as unstable
BIG_JUMP = 10  # majors skipped over the previous highest version
FIRST_VERSION_MAJOR = 99  # a package whose first version is 99.x is a dependency-confusion probe
UNPOPULAR_WEEKLY = 100

MIRROR_TIMES = "publish times look like a mirror's copy times: no time.created in the document"
NO_TIMES = "no publish time for this version"
NO_HISTORY = "the registry document lists no other versions"
NO_PUBLISHER = "no publisher (_npmUser) in the registry document"
NO_UPLOADER = "the index does not say who uploaded a release"
NO_ACCOUNTS = "needs an account look-up the registry document does not give"
NO_DOWNLOADS = "no download counts from the registry"


@dataclass(slots=True)
class _Out:
    """Findings, and per reason the signals that could not be checked."""

    ref: PackageRef
    findings: list[Finding] = field(default_factory=list)
    unchecked: dict[str, list[str]] = field(default_factory=dict)

    def add(self, type_: str, evidence: str, props: dict[str, Any]) -> None:
        self.findings.append(Finding(type_, "", 0, evidence, props))

    def skip(self, signal: str, reason: str) -> None:
        self.unchecked.setdefault(reason, []).append(signal)

    def notes(self) -> list[str]:
        return [f"not checked ({why}): {', '.join(s)}" for why, s in self.unchecked.items()]


def metadata_findings(
    ref: PackageRef,
    metadata: Mapping[str, Any],
    manifest: ManifestAnalysis | None,
    *,
    now: datetime | None = None,
    cooldown_days: int | None = None,
) -> tuple[list[Finding], list[str]]:
    """(findings, notes on what could not be checked) from the registry's document.

    `metadata` is what a registry fetch returned (FetchedArtifact.metadata) or a whole npm
    packument / PyPI project document. A field the document omits never fires a signal.
    """
    ecosystem = plugins().get(ref.ecosystem)
    if ecosystem is None or not metadata:
        return [], []
    history = ecosystem.history(ref, metadata)
    out = _Out(ref)
    now = now or datetime.now(UTC)
    _deprecated(history, out)
    _unpublished(history, out)
    _unmaintained(history, now, out)
    _publishers(history, metadata, out, ecosystem.names_publishers)
    _chrono(history, out)
    _semver(history, out)
    cooldown = DEFAULT_COOLDOWN_DAYS if cooldown_days is None else cooldown_days
    _recent(history, now, cooldown, out)
    _unpopular(history, out)
    if ecosystem.registry_manifest:
        found, reason = confusion_findings(ref, metadata, manifest)
        out.findings += found
        if reason:
            out.skip("manifestConfusion", reason)
    return out.findings, out.notes()


def _deprecated(h: History, out: _Out) -> None:
    cur = h.current
    if cur is not None and cur.deprecated:
        out.add("deprecated", f"deprecated: {cur.deprecated}", {"reason": cur.deprecated})
    elif cur is not None and cur.yanked:
        reason = cur.yanked_reason or ""
        evidence = f"yanked: {reason}" if reason else "yanked"
        out.add("deprecated", evidence, {"reason": reason, "yanked": True})


def _unpublished(h: History, out: _Out) -> None:
    version = out.ref.version
    if h.unpublished:
        out.add(
            "unpublished", "the package was unpublished from the registry", {"version": version}
        )
    elif h.current is None and h.complete and version:
        evidence = f"{version} is not in the registry's version list"
        out.add("unpublished", evidence, {"version": version})
    elif h.current is not None and h.current.files == 0:
        evidence = f"release {version} has no files left on the index"
        out.add("unpublished", evidence, {"version": version})


def _unmaintained(h: History, now: datetime, out: _Out) -> None:
    if not h.times_trusted:
        return out.skip("unmaintained", MIRROR_TIMES)
    if not h.complete:
        return out.skip("unmaintained", NO_HISTORY)
    times = [r.published for r in h.releases if r.published is not None]
    if not times:
        return out.skip("unmaintained", NO_TIMES)
    latest = max(times)
    years = (now - latest).days / 365.25
    if years > UNMAINTAINED_YEARS:
        props = {"lastPublishedAt": _iso(latest), "years": round(years, 1)}
        out.add("unmaintained", f"last release published {latest.date()}", props)
    return None


def _publishers(h: History, metadata: Mapping[str, Any], out: _Out, named: bool) -> None:
    cur = h.current
    if cur is None:
        return
    if not named:
        for signal in ("newAuthor", "unstableOwnership", "missingAuthor"):
            out.skip(signal, NO_UPLOADER)
        return
    lower = h.lower()
    if cur.publisher is None:
        for signal in ("newAuthor", "missingAuthor"):
            out.skip(signal, NO_PUBLISHER)
    else:
        _new_author(cur, lower, out)
        _missing_author(cur.publisher, metadata.get("_accounts"), out)
    checked, props = _ownership(cur, lower)
    if props:
        evidence = props.pop("evidence")
        out.add("unstableOwnership", evidence, props)
    elif not checked and lower:
        out.skip("unstableOwnership", NO_PUBLISHER)


def _new_author(cur: Release, lower: list[Release], out: _Out) -> None:
    earlier = {r.publisher for r in lower if r.publisher}
    if lower and not earlier:
        out.skip("newAuthor", "no publisher for the earlier versions")
    elif earlier and cur.publisher not in earlier:
        props = {"publisher": cur.publisher, "previousPublishers": sorted(earlier)[:10]}
        out.add("newAuthor", f"{cur.publisher} never published an earlier version", props)


def _missing_author(publisher: str, accounts: Any, out: _Out) -> None:
    if not isinstance(accounts, Mapping) or publisher not in accounts:
        out.skip("missingAuthor", NO_ACCOUNTS)
    elif accounts[publisher] is False:
        out.add("missingAuthor", f"account {publisher} no longer exists", {"publisher": publisher})


def _ownership(cur: Release, lower: list[Release]) -> tuple[bool, dict[str, Any]]:
    """(could a rule be checked, props of the rule that fired): a publisher switch after a run
    of one account, or a maintainer list that both gained and lost an account."""
    checked = False
    run = lower[:PUBLISHER_RUN]
    if cur.publisher and len(run) == PUBLISHER_RUN and all(r.publisher for r in run):
        checked = True
        previous = {r.publisher for r in run}
        earlier = {r.publisher for r in lower}
        if len(previous) == 1 and cur.publisher not in earlier:
            before = previous.pop()
            return True, {
                "evidence": f"{before} published the last {PUBLISHER_RUN} versions, "
                f"{cur.publisher} published this one",
                "rule": "publisher-switch",
                "publisher": cur.publisher,
                "previousPublisher": before,
            }
    prev = lower[0] if lower else None
    if cur.maintainers is not None and prev is not None and prev.maintainers is not None:
        checked = True
        added, removed = cur.maintainers - prev.maintainers, prev.maintainers - cur.maintainers
        if added and removed:
            return True, {
                "evidence": f"maintainers since {prev.version}: +{', +'.join(sorted(added))} "
                f"-{', -'.join(sorted(removed))}",
                "rule": "maintainer-transfer",
                "added": sorted(added),
                "removed": sorted(removed),
                "previous": prev.version,
            }
    return checked, {}


def _chrono(h: History, out: _Out) -> None:
    cur = h.current
    if cur is None or cur.prerelease:
        return
    if not h.times_trusted:
        return out.skip("chronoAnomaly", MIRROR_TIMES)
    if cur.published is None:
        return out.skip("chronoAnomaly", NO_TIMES)
    if not h.complete:
        return out.skip("chronoAnomaly", NO_HISTORY)
    published = cur.published
    # Only higher versions of the same major.minor line: backports to older lines are normal.
    earlier_higher = [
        r
        for r in h.releases
        if r.key > cur.key
        and r.line == cur.line
        and not r.prerelease
        and r.published is not None
        and r.published < published
    ]
    if earlier_higher:
        higher = max(earlier_higher, key=lambda r: r.key)
        assert higher.published is not None
        evidence = f"{cur.version} published {published.date()}, after {higher.version} "
        evidence += f"({higher.published.date()})"
        props = {
            "publishedAt": _iso(published),
            "higherVersion": higher.version,
            "higherPublishedAt": _iso(higher.published),
        }
        out.add("chronoAnomaly", evidence, props)
    return None


def _semver(h: History, out: _Out) -> None:
    cur = h.current
    if cur is None:
        return
    if not h.complete:
        return out.skip("semverAnomaly", NO_HISTORY)
    lower = h.lower()
    major = cur.line[0]
    if lower:
        previous: str | None = lower[0].version
        jump = major - lower[0].line[0]
        fires = jump >= BIG_JUMP
    else:
        previous, jump, fires = None, major, major >= FIRST_VERSION_MAJOR
    if fires:
        since = f"from {previous}" if previous else "as the first version"
        out.add("semverAnomaly", f"{cur.version} {since}", {"previous": previous, "jump": jump})
    return None


def _recent(h: History, now: datetime, cooldown: int, out: _Out) -> None:
    cur = h.current
    if cur is None or cooldown <= 0:
        return
    if not h.times_trusted:
        return out.skip("recentlyPublished", MIRROR_TIMES)
    if cur.published is None:
        return out.skip("recentlyPublished", NO_TIMES)
    age = max(now - cur.published, timedelta(0))
    if age < timedelta(days=cooldown):
        hours = round(age.total_seconds() / 3600, 1)
        props = {"publishedAt": _iso(cur.published), "ageHours": hours, "cooldownDays": cooldown}
        out.add("recentlyPublished", f"published {hours} hours ago", props)
    return None


def _unpopular(h: History, out: _Out) -> None:
    if h.downloads is None:
        out.skip("unpopularPackage", NO_DOWNLOADS)
    elif h.downloads < UNPOPULAR_WEEKLY:
        props = {"weeklyDownloads": h.downloads}
        out.add("unpopularPackage", f"{h.downloads} downloads last week", props)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
