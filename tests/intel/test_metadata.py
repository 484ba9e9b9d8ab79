"""Registry-metadata signals over recorded (trimmed, real) registry documents.

The npm documents come from this machine's configured registry, a mirror that strips
`_npmUser`, `deprecated` and `time.created/modified` and rewrites publish times: they show the
"could not check" paths as recorded. Tests that need the stripped fields add them explicitly
(`with_publishers`, `registry_times`), so each addition is visible where it is used.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from depshield.ecosystems.base import ManifestAnalysis
from depshield.intel.metadata import metadata_findings
from depshield.model import Finding, PackageRef

HISTORY = Path(__file__).parent.parent / "fixtures" / "registry-history"
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def load(relative: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((HISTORY / relative).read_text(encoding="utf-8"))
    return doc


def run(
    eco: str, name: str, version: str, doc: Any, now: datetime = NOW, **kw: Any
) -> tuple[list[Finding], list[str]]:
    return metadata_findings(
        PackageRef(eco, name, version), doc, kw.pop("manifest", None), now=now, **kw
    )


def types(findings: list[Finding]) -> list[str]:
    return sorted(f.type for f in findings)


def one(findings: list[Finding], type_: str) -> Finding:
    [found] = [f for f in findings if f.type == type_]
    return found


def registry_times(doc: dict[str, Any], times: dict[str, Any]) -> dict[str, Any]:
    """The registry's own `time` shape (created/modified), which the mirror does not keep."""
    out = copy.deepcopy(doc)
    out["time"] = {"created": "2011-01-01T00:00:00.000Z", "modified": "2018-11-27T00:00:00.000Z"}
    out["time"].update(times)
    return out


def with_publishers(doc: dict[str, Any], publishers: dict[str, str]) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    for version, name in publishers.items():
        out["versions"][version]["_npmUser"] = {"name": name}
    return out


EVENT_STREAM = load("npm/event-stream.json")
ES_PUBLISHERS = {
    "3.3.2": "dominictarr",
    "3.3.3": "dominictarr",
    "3.3.4": "dominictarr",
    "3.3.5": "dominictarr",
    "4.0.0": "right9ctrl",
    "4.0.1": "right9ctrl",
}


# --- what this machine's mirror gives: nothing fires on the fields it leaves out ---------------


def test_mirror_times_and_missing_publishers_are_notes_not_findings() -> None:
    # The mirror's times for event-stream are from 2024-2026; a `now` right after them must not
    # make the 2018 release look recent, and no publisher data means no publisher signal.
    copied = datetime.fromisoformat(EVENT_STREAM["time"]["3.3.5"])
    findings, notes = run(
        "npm", "event-stream", "3.3.5", EVENT_STREAM, now=copied + timedelta(hours=1)
    )
    assert findings == []
    joined = "\n".join(notes)
    assert "mirror's copy times" in joined
    assert "unmaintained, chronoAnomaly, recentlyPublished" in joined
    assert "no publisher (_npmUser) in the registry document): newAuthor, missingAuthor" in joined
    assert "unpopularPackage" in joined


def test_unpublished_version_is_absent_from_the_recorded_packument() -> None:
    # event-stream 3.3.6 (the flatmap-stream release) was unpublished; the document has no entry.
    findings, _ = run("npm", "event-stream", "3.3.6", EVENT_STREAM)
    found = one(findings, "unpublished")
    assert (found.file, found.line) == ("", 0)
    assert found.evidence == "3.3.6 is not in the registry's version list"
    assert "unpublished" not in types(run("npm", "event-stream", "3.3.5", EVENT_STREAM)[0])


def test_whole_package_unpublished_needs_the_registry_time_shape() -> None:
    doc = registry_times(EVENT_STREAM, {"unpublished": {"time": "2018-11-27T00:00:00.000Z"}})
    assert "unpublished" in types(run("npm", "event-stream", "4.0.1", doc)[0])
    mirror = copy.deepcopy(EVENT_STREAM)
    mirror["time"]["unpublished"] = "2018-11-27T00:00:00.000Z"  # no created/modified: not trusted
    assert "unpublished" not in types(run("npm", "event-stream", "4.0.1", mirror)[0])


# --- publishers: the fields the mirror strips, added back by hand ------------------------------


def test_new_publisher_after_a_run_of_one_account_is_new_and_unstable() -> None:
    doc = with_publishers(EVENT_STREAM, ES_PUBLISHERS)
    findings, _ = run("npm", "event-stream", "4.0.0", doc)
    assert types(findings) == ["newAuthor", "unstableOwnership"]
    assert one(findings, "newAuthor").props["previousPublishers"] == ["dominictarr"]
    unstable = one(findings, "unstableOwnership").props
    assert unstable["rule"] == "publisher-switch"
    assert (unstable["publisher"], unstable["previousPublisher"]) == ("right9ctrl", "dominictarr")


def test_same_publisher_again_is_neither_new_nor_unstable() -> None:
    doc = with_publishers(EVENT_STREAM, ES_PUBLISHERS)
    assert types(run("npm", "event-stream", "4.0.1", doc)[0]) == []
    assert types(run("npm", "event-stream", "3.3.5", doc)[0]) == []


def test_publisher_missing_on_earlier_versions_is_a_note() -> None:
    doc = with_publishers(EVENT_STREAM, {"4.0.0": "right9ctrl"})
    findings, notes = run("npm", "event-stream", "4.0.0", doc)
    assert findings == []
    assert any("no publisher for the earlier versions" in n and "newAuthor" in n for n in notes)
    assert any("unstableOwnership" in n for n in notes)


def test_missing_author_only_from_an_account_lookup() -> None:
    doc = with_publishers(EVENT_STREAM, ES_PUBLISHERS)
    meta = {**doc, "_accounts": {"right9ctrl": False}}
    found = one(run("npm", "event-stream", "4.0.1", meta)[0], "missingAuthor")
    assert found.props == {"publisher": "right9ctrl"}
    meta["_accounts"] = {"right9ctrl": True}
    assert "missingAuthor" not in types(run("npm", "event-stream", "4.0.1", meta)[0])
    _, notes = run("npm", "event-stream", "4.0.1", doc)
    assert any("account look-up" in n and "missingAuthor" in n for n in notes)


def test_author_declared_maintainer_names_are_not_accounts() -> None:
    # chalk 1.1.2 lists "Joshua Boy Nicolai Appelman" instead of "Joshua Appelman": a display
    # name changed, nobody was replaced. Names with spaces cannot be npm accounts: not compared.
    findings, notes = run("npm", "chalk", "1.1.2", load("npm/chalk.json"))
    assert "unstableOwnership" not in types(findings)
    assert any("unstableOwnership" in n for n in notes)


def test_maintainer_transfer_fires_and_an_addition_does_not() -> None:
    doc = load("npm/chalk.json")
    for version in doc["versions"]:
        doc["versions"][version]["maintainers"] = [{"name": "sindresorhus"}, {"name": "jbnicolai"}]
    doc["versions"]["1.1.3"]["maintainers"] = [{"name": "sindresorhus"}, {"name": "newowner"}]
    found = one(run("npm", "chalk", "1.1.3", doc)[0], "unstableOwnership")
    assert found.props["rule"] == "maintainer-transfer"
    assert (found.props["added"], found.props["removed"]) == (["newowner"], ["jbnicolai"])
    doc["versions"]["1.1.3"]["maintainers"].append({"name": "jbnicolai"})
    assert "unstableOwnership" not in types(run("npm", "chalk", "1.1.3", doc)[0])


def test_pypi_publisher_signals_are_notes() -> None:
    findings, notes = run("pypi", "requests", "2.32.3", load("pypi/requests.json"))
    assert not {"newAuthor", "unstableOwnership", "missingAuthor"} & set(types(findings))
    assert any("does not say who uploaded" in n for n in notes)


# --- deprecation, yanks and removed files -------------------------------------------------------


def test_npm_deprecated_message() -> None:
    doc = copy.deepcopy(EVENT_STREAM)
    doc["versions"]["3.3.5"]["deprecated"] = "please use 4.x"
    found = one(run("npm", "event-stream", "3.3.5", doc)[0], "deprecated")
    assert found.props == {"reason": "please use 4.x"}
    doc["versions"]["3.3.5"]["deprecated"] = ""  # `npm deprecate pkg ""` lifts it
    assert "deprecated" not in types(run("npm", "event-stream", "3.3.5", doc)[0])


def test_pypi_yanked_release_is_deprecated() -> None:
    doc = load("pypi/requests.json")
    found = one(run("pypi", "requests", "2.32.0", doc)[0], "deprecated")
    assert found.props["reason"] == "Yanked due to conflicts with CVE-2024-35195 mitigation"
    assert found.props["yanked"] is True
    assert "deprecated" not in types(run("pypi", "requests", "2.32.3", doc)[0])


def test_pypi_release_without_files_is_unpublished() -> None:
    doc = load("pypi/requests.json")
    found = one(run("pypi", "requests", "2.15.0", doc)[0], "unpublished")
    assert found.evidence == "release 2.15.0 has no files left on the index"
    assert "unpublished" not in types(run("pypi", "requests", "2.15.1", doc)[0])


# --- publish times (PyPI's are the index's own) --------------------------------------------------


def test_unmaintained_after_five_years() -> None:
    found = one(run("pypi", "nose", "1.3.7", load("pypi/nose.json"))[0], "unmaintained")
    assert found.props["lastPublishedAt"] == "2015-06-02T09:12:32.961855Z"
    assert found.props["years"] == 11.4
    # requests' latest recorded release (2024) is recent enough.
    assert "unmaintained" not in types(
        run("pypi", "requests", "2.31.0", load("pypi/requests.json"))[0]
    )


def test_chrono_anomaly_within_a_release_line() -> None:
    doc = load("pypi/django.json")
    # 1.3.4's first file reached the index in 2013, after 1.3.5, 1.3.6 and 1.3.7.
    found = one(run("pypi", "django", "1.3.4", doc)[0], "chronoAnomaly")
    assert found.props["higherVersion"] == "1.3.7"
    assert found.props["publishedAt"] == "2013-03-05T22:33:47.875562Z"
    assert "chronoAnomaly" not in types(run("pypi", "django", "1.3.5", doc)[0])
    # 1.3.7 came after 1.4.3: a backport to an older line, not an anomaly.
    assert "chronoAnomaly" not in types(run("pypi", "django", "1.3.7", doc)[0])


def test_semver_jump_from_the_previous_highest_version() -> None:
    doc = load("pypi/cryptography.json")
    found = one(run("pypi", "cryptography", "35.0.0", doc)[0], "semverAnomaly")
    assert found.props == {"previous": "3.4.8", "jump": 32}
    assert "semverAnomaly" not in types(run("pypi", "cryptography", "36.0.0", doc)[0])


def test_semver_first_version_probe() -> None:
    files = [{"filename": "x.tar.gz", "upload_time_iso_8601": "2026-10-01T00:00:00Z"}]
    probe = {"info": {"name": "internal-lib", "version": "99.0.0"}, "releases": {"99.0.0": files}}
    found = one(run("pypi", "internal-lib", "99.0.0", probe)[0], "semverAnomaly")
    assert found.props == {"previous": None, "jump": 99}
    normal = {"info": {"name": "lib", "version": "1.0.0"}, "releases": {"1.0.0": files}}
    assert "semverAnomaly" not in types(run("pypi", "lib", "1.0.0", normal)[0])


@pytest.mark.parametrize(
    ("after", "cooldown", "fires"),
    [
        (timedelta(hours=20), None, True),
        (timedelta(days=3), None, False),
        (timedelta(days=3), 7, True),
        (timedelta(hours=1), 0, False),
        (timedelta(hours=-2), None, True),  # clock skew: a future time is "just published"
    ],
)
def test_recently_published(after: timedelta, cooldown: int | None, fires: bool) -> None:
    published = datetime(2024, 5, 29, 15, 37, 47, 27275, tzinfo=UTC)
    findings, _ = run(
        "pypi",
        "requests",
        "2.32.3",
        load("pypi/requests.json"),
        now=published + after,
        cooldown_days=cooldown,
    )
    assert ("recentlyPublished" in types(findings)) is fires
    if fires and after > timedelta(0):
        props = one(findings, "recentlyPublished").props
        assert props["publishedAt"] == "2024-05-29T15:37:47.027275Z"
        assert props["ageHours"] == round(after.total_seconds() / 3600, 1)


def test_npm_times_count_in_the_registry_shape() -> None:
    doc = registry_times(EVENT_STREAM, {v: "2018-09-01T00:00:00.000Z" for v in ES_PUBLISHERS})
    doc["time"]["4.0.1"] = "2018-09-20T12:00:00.000Z"
    findings, _ = run("npm", "event-stream", "4.0.1", doc, now=datetime(2018, 9, 21, tzinfo=UTC))
    assert one(findings, "recentlyPublished").props["ageHours"] == 12.0


# --- downloads -----------------------------------------------------------------------------------


def test_unpopular_only_with_download_counts() -> None:
    assert "unpopularPackage" in types(
        run("npm", "event-stream", "3.3.5", {**EVENT_STREAM, "_downloads": 12})[0]
    )
    assert "unpopularPackage" not in types(
        run("npm", "event-stream", "3.3.5", {**EVENT_STREAM, "_downloads": 5000})[0]
    )
    # The index answers -1 (not counted) for every project.
    findings, notes = run("pypi", "requests", "2.32.3", load("pypi/requests.json"))
    assert "unpopularPackage" not in types(findings)
    assert any("no download counts" in n for n in notes)


def test_no_metadata_no_findings_no_notes() -> None:
    assert run("npm", "x", "1.0.0", {}) == ([], [])


# --- manifest confusion ---------------------------------------------------------------------


def npm_manifest(
    package_json: dict[str, Any], paths: tuple[str, ...] = ("index.js",)
) -> ManifestAnalysis:
    from depshield.ecosystems.npm.manifest import read_manifest

    raw = json.dumps(package_json, indent=2).encode()
    return read_manifest({"package.json": raw}, ["package.json", *paths])


def version_doc(**fields: Any) -> dict[str, Any]:
    base = {
        "name": "widget",
        "version": "1.0.0",
        "dist": {"tarball": "http://registry.example.invalid/w.tgz"},
    }
    return {**base, **fields}


def confusion(
    doc: dict[str, Any], pkg: dict[str, Any], paths: tuple[str, ...] = ("index.js",)
) -> list[Finding]:
    findings, _ = run("npm", "widget", "1.0.0", doc, manifest=npm_manifest(pkg, paths))
    return [f for f in findings if f.type == "manifestConfusion"]


def test_install_script_hidden_from_the_registry() -> None:
    pkg = {"name": "widget", "version": "1.0.0", "scripts": {"postinstall": "node x.js"}}
    [found] = confusion(version_doc(), pkg, ("index.js", "x.js"))
    assert (found.file, found.line) == ("package.json", 5)  # the "postinstall" key
    assert found.props == {
        "field": "scripts",
        "registry": {"postinstall": None},
        "tarball": {"postinstall": "node x.js"},
    }


def test_dependency_hidden_from_the_registry() -> None:
    pkg = {"name": "widget", "version": "1.0.0", "dependencies": {"a": "^1.0.0", "evil": "1.0.0"}}
    [found] = confusion(version_doc(dependencies={"a": "^1.0.0"}), pkg)
    assert found.props["field"] == "dependencies"
    assert found.props["tarball"] == {"evil": "1.0.0"}


def test_name_and_version_differ() -> None:
    pkg = {"name": "widget-real", "version": "2.0.0"}
    found = confusion(version_doc(), pkg)
    assert sorted(f.props["field"] for f in found) == ["name", "version"]


def test_what_npm_itself_normalises_is_no_confusion() -> None:
    pkg = {
        "name": "widget",
        "version": "v1.0.0",
        "bin": "./cli.js",
        "optionalDependencies": {"fsevents": "^2.0.0"},
        "dependencies": {"a": "^1.0.0"},
    }
    doc = version_doc(
        bin={"widget": "cli.js"},
        dependencies={"a": "^1.0.0", "fsevents": "^2.0.0"},  # npm copies optional ones here
        optionalDependencies={"fsevents": "^2.0.0"},
        scripts={"install": "node-gyp rebuild"},  # added at publish for a binding.gyp
    )
    assert confusion(doc, pkg, ("index.js", "cli.js", "binding.gyp")) == []


def test_partial_registry_document_is_not_compared() -> None:
    pkg = {"name": "widget", "version": "1.0.0", "scripts": {"postinstall": "node x.js"}}
    doc = {"name": "widget", "version": "1.0.0"}  # no dist: not a version document
    findings, notes = run("npm", "widget", "1.0.0", doc, manifest=npm_manifest(pkg))
    assert "manifestConfusion" not in types(findings)
    assert any("manifestConfusion" in n for n in notes)


# --- wiring: judge_examined, the package command's API and the policy --------------------------


def test_judge_examined_adds_registry_alerts_and_notes(tmp_path: Path) -> None:
    from depshield.analysis import examine
    from depshield.judging import judge_examined
    from depshield.policy import Policy

    (tmp_path / "package.json").write_text('{"name": "requests", "version": "2.32.3"}')
    (tmp_path / "index.js").write_text("module.exports = 1;\n")
    examined = examine(tmp_path, "npm")
    doc = load("pypi/requests.json")
    ref = PackageRef("pypi", "requests", "2.32.3")
    published = datetime(2024, 5, 29, 16, tzinfo=UTC)
    result = judge_examined(examined, tmp_path, ref=ref, metadata=doc, now=published)
    alert = next(a for a in result.alerts if a.type == "recentlyPublished")
    assert (alert.file, alert.line, alert.action) == (None, None, "monitor")
    assert any("does not say who uploaded" in n for n in result.notes)
    quiet = Policy(cooldown_days=0)
    result = judge_examined(examined, tmp_path, ref=ref, metadata=doc, now=published, policy=quiet)
    assert "recentlyPublished" not in {a.type for a in result.alerts}


def test_cooldown_days_from_the_config() -> None:
    from depshield.config import policy_from_dict
    from depshield.errors import ConfigError

    assert policy_from_dict({"cooldown-days": 7}, "depshield.toml").cooldown_days == 7
    assert policy_from_dict({}, "depshield.toml").cooldown_days is None
    for bad in (-1, "7", True):
        with pytest.raises(ConfigError, match="cooldown-days"):
            policy_from_dict({"cooldown-days": bad}, "depshield.toml")


def test_package_api_passes_the_registry_document(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, registry_server: Any
) -> None:
    from support.registry_server import isolate_env, make_tgz, sri

    from depshield.api import analyze_spec

    isolate_env(monkeypatch, tmp_path)
    monkeypatch.setenv("npm_config_registry", registry_server.url + "npm/")
    package_json = b'{\n  "name": "widget",\n  "version": "1.0.0",\n  "scripts": {\n'
    package_json += b'    "postinstall": "node x.js"\n  }\n}\n'
    tgz = make_tgz({"package.json": package_json, "x.js": b"module.exports = 1;\n"})
    url = registry_server.url + "npm/widget/-/widget-1.0.0.tgz"
    doc = registry_times(
        {"name": "widget", "dist-tags": {"latest": "1.0.0"}, "versions": {}},
        {"1.0.0": "2018-01-01T00:00:00.000Z"},
    )
    doc["versions"]["1.0.0"] = {
        **version_doc(deprecated="use gadget"),
        "dist": {"tarball": url, "integrity": sri(tgz)},
    }
    registry_server.json("/npm/widget", doc)
    registry_server.bytes("/npm/widget/-/widget-1.0.0.tgz", tgz)
    [result] = analyze_spec("npm:widget@1.0.0")
    by_type = {a.type: a for a in result.alerts}
    assert by_type["deprecated"].props["reason"] == "use gadget"
    confusion = by_type["manifestConfusion"]
    assert (confusion.file, confusion.line) == ("package.json", 5)
    assert "installScripts" in by_type
