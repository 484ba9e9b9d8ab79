"""PyPI project hygiene and license: README, tests, project URLs, authors, the declared license."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from depshield.model import Finding

_README = re.compile(r"^readme(\.[^/]*)?$", re.IGNORECASE)
_TEST_DIRS = frozenset({"test", "tests", "testing"})
_TEST_FILE = re.compile(r"^(test_.*|.*_test|conftest)\.py$")
_CODE_HOSTS = frozenset(
    {"github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "git.sr.ht", "sr.ht"}
)
# Project-URL labels, normalised as PEP 753 says (lower case, no punctuation or spaces).
_REPOSITORY_LABELS = frozenset({"source", "sourcecode", "repository", "code", "git", "github"})
_WEBSITE_LABELS = frozenset({"homepage", "home", "website", "documentation", "docs"})
_TRACKER_LABELS = frozenset({"issues", "bugtracker", "bugs", "tracker", "issuetracker"})
# A License field longer than this is the licence text itself, not a name.
_SHORT_LICENSE = 100


def hygiene_findings(
    kind: str, file: str, fields: Mapping[str, Any], paths: Collection[str]
) -> Iterator[Finding]:
    """One finding per missing piece of hygiene, attached to the metadata file at line 0.

    Wheels rarely ship tests, so noTests is only judged on sdists.
    """
    urls = _urls(fields)
    hosted = any(_host(u) in _CODE_HOSTS for u in urls.values())
    description = fields.get("description")
    has_readme = any(_README.match(p) for p in paths) or (
        isinstance(description, str) and description.strip() not in ("", "UNKNOWN")
    )
    missing = {
        "noREADME": not has_readme,
        "noTests": kind == "sdist" and not _has_tests(paths),
        "noRepository": not (hosted or _REPOSITORY_LABELS.intersection(urls)),
        "noWebsite": not _WEBSITE_LABELS.intersection(urls),
        "noBugTracker": not (hosted or _TRACKER_LABELS.intersection(urls)),
        "noAuthorData": not any(
            _filled(fields.get(k))
            for k in ("author", "author_email", "maintainer", "maintainer_email")
        ),
    }
    for finding, fires in missing.items():
        if fires:
            yield Finding(finding, file, 0, "")


def home_urls(fields: Mapping[str, Any]) -> tuple[str, ...]:
    """Every URL the metadata names for the project but its download link (didYouMean's
    identity check)."""
    return tuple(url.strip() for label, url in _urls(fields).items() if label != "download")


def _urls(fields: Mapping[str, Any]) -> dict[str, str]:
    """Every URL the metadata names, keyed by its normalised label (Home-page -> "homepage")."""
    urls: dict[str, str] = {}
    project_urls = fields.get("project_urls")
    for label, url in project_urls.items() if isinstance(project_urls, dict) else ():
        if _filled(url):
            urls[re.sub(r"[^a-z0-9]", "", str(label).lower())] = url
    for key, label in (("home_page", "homepage"), ("download_url", "download")):
        if _filled(fields.get(key)):
            urls.setdefault(label, fields[key])
    return urls


def _host(url: str) -> str:
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")


def _has_tests(paths: Collection[str]) -> bool:
    for path in paths:
        parts = path.split("/")
        if _TEST_DIRS.intersection(parts[:-1]) or _TEST_FILE.match(parts[-1]):
            return True
    return "tox.ini" in paths or "noxfile.py" in paths


def _filled(value: Any) -> bool:
    return isinstance(value, str) and value.strip() not in ("", "UNKNOWN")


def license_of(fields: Mapping[str, Any]) -> str | None:
    """License-Expression, else a short License field, else the first license classifier."""
    expression = fields.get("license_expression")
    if _filled(expression):
        return str(expression).strip()
    text = fields.get("license")
    if isinstance(text, str) and _filled(text):
        short = text.strip()
        if len(short) <= _SHORT_LICENSE and "\n" not in short:
            return short
    classifiers = license_classifiers(fields)
    return classifiers[0] if classifiers else None


def license_classifiers(fields: Mapping[str, Any]) -> list[str]:
    classifiers = fields.get("classifiers")
    if not isinstance(classifiers, list):
        return []
    return [c for c in classifiers if isinstance(c, str) and c.startswith("License ::")]
